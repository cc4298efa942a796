/**
 * Writes an OTLP JSON `ExportTraceServiceRequest` (as the test payload helpers make them) in
 * protobuf, field by field after opentelemetry/proto trace v1, so one payload can be sent in
 * both encodings. Test-only: it trusts its input.
 */
type Json = Record<string, any>;

class Writer {
  private readonly parts: Buffer[] = [];

  private tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  private varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    while (v > 0x7fn) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.parts.push(Buffer.from(bytes));
  }

  uint(field: number, value: number | bigint | undefined, always = false): this {
    if (value === undefined || (!always && (value === 0 || value === 0n))) return this;
    this.tag(field, 0);
    this.varint(BigInt(value));
    return this;
  }

  bool(field: number, value: boolean): this {
    this.tag(field, 0);
    this.varint(value ? 1n : 0n);
    return this;
  }

  fixed64(field: number, value: string | number | undefined): this {
    if (value === undefined) return this;
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.tag(field, 1);
    this.parts.push(b);
    return this;
  }

  double(field: number, value: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.tag(field, 1);
    this.parts.push(b);
    return this;
  }

  bytes(field: number, value: Buffer | undefined): this {
    if (value === undefined || value.length === 0) return this;
    this.tag(field, 2);
    this.varint(BigInt(value.length));
    this.parts.push(value);
    return this;
  }

  /** A oneof member is written even when empty: its presence is the value. */
  present(field: number, value: string | Buffer): this {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    this.tag(field, 2);
    this.varint(BigInt(bytes.length));
    this.parts.push(bytes);
    return this;
  }

  string(field: number, value: string | undefined): this {
    return value === undefined || value === '' ? this : this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, write: (w: Writer) => void): this {
    const inner = new Writer();
    write(inner);
    const bytes = inner.finish();
    this.tag(field, 2);
    this.varint(BigInt(bytes.length));
    this.parts.push(bytes);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const hex = (value: string | undefined): Buffer | undefined => (value ? Buffer.from(value, 'hex') : undefined);

function anyValue(w: Writer, v: Json): void {
  if (v.stringValue !== undefined) w.present(1, v.stringValue);
  else if (v.boolValue !== undefined) w.bool(2, v.boolValue);
  else if (v.intValue !== undefined) w.uint(3, BigInt(v.intValue), true);
  else if (v.doubleValue !== undefined) w.double(4, Number(v.doubleValue));
  else if (v.arrayValue) w.message(5, (a) => v.arrayValue.values.forEach((x: Json) => a.message(1, (e) => anyValue(e, x))));
  else if (v.kvlistValue) w.message(6, (l) => v.kvlistValue.values.forEach((kv: Json) => l.message(1, (e) => keyValue(e, kv))));
  else if (v.bytesValue !== undefined) w.present(7, Buffer.from(v.bytesValue, 'base64'));
}

/** A KeyValue; a Buffer as its value is taken as an AnyValue already encoded (for hostile shapes). */
function keyValue(w: Writer, kv: Json): void {
  w.string(1, kv.key);
  if (Buffer.isBuffer(kv.value)) w.bytes(2, kv.value);
  else w.message(2, (v) => anyValue(v, kv.value ?? {}));
}

const attributes = (w: Writer, field: number, list: Json[] | undefined): void => list?.forEach((kv) => w.message(field, (e) => keyValue(e, kv)));

function span(w: Writer, s: Json): void {
  w.bytes(1, hex(s.traceId)).bytes(2, hex(s.spanId)).string(3, s.traceState).bytes(4, hex(s.parentSpanId)).string(5, s.name).uint(6, s.kind);
  w.fixed64(7, s.startTimeUnixNano).fixed64(8, s.endTimeUnixNano);
  attributes(w, 9, s.attributes);
  w.uint(10, s.droppedAttributesCount);
  s.events?.forEach((e: Json) =>
    w.message(11, (m) => {
      m.fixed64(1, e.timeUnixNano).string(2, e.name);
      attributes(m, 3, e.attributes);
      m.uint(4, e.droppedAttributesCount);
    }),
  );
  w.uint(12, s.droppedEventsCount);
  s.links?.forEach((l: Json) =>
    w.message(13, (m) => {
      m.bytes(1, hex(l.traceId)).bytes(2, hex(l.spanId)).string(3, l.traceState);
      attributes(m, 4, l.attributes);
      m.uint(5, l.droppedAttributesCount);
    }),
  );
  w.uint(14, s.droppedLinksCount);
  if (s.status) w.message(15, (m) => m.string(2, s.status.message).uint(3, s.status.code));
}

export function toProtobuf(request: Json): Buffer {
  const w = new Writer();
  for (const rs of request.resourceSpans ?? []) {
    w.message(1, (r) => {
      if (rs.resource) r.message(1, (m) => attributes(m, 1, rs.resource.attributes));
      for (const ss of rs.scopeSpans ?? []) {
        r.message(2, (m) => {
          if (ss.scope) m.message(1, (sc) => sc.string(1, ss.scope.name).string(2, ss.scope.version));
          for (const s of ss.spans ?? []) m.message(2, (e) => span(e, s));
          m.string(3, ss.schemaUrl);
        });
      }
      r.string(3, rs.schemaUrl);
    });
  }
  return w.finish();
}
