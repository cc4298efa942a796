import type { OtlpAnyValue, OtlpEntity, OtlpEvent, OtlpExportRequest, OtlpKeyValue, OtlpLink, OtlpSpan } from './types';

/**
 * OTLP JSON (as the stream holds it) encoded as the protobuf `ExportTraceServiceRequest`
 * (opentelemetry/proto/collector/trace/v1), for backends that take `application/x-protobuf`.
 * Field numbers are the specification's; default values are left out, as protobuf does.
 */
class Writer {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  private push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  private varint(value: bigint): void {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, value);
    while (v > 0x7fn) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.push(Buffer.from(bytes));
  }

  private tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  uint(field: number, value: number | undefined): void {
    if (!value) return;
    this.tag(field, 0);
    this.varint(BigInt(value));
  }

  int64(field: number, value: string | number): void {
    this.tag(field, 0);
    this.varint(BigInt(value));
  }

  bool(field: number, value: boolean): void {
    this.tag(field, 0);
    this.varint(value ? 1n : 0n);
  }

  fixed64(field: number, value: string | undefined): void {
    if (!value || value === '0') return;
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(value)));
    this.tag(field, 1);
    this.push(b);
  }

  double(field: number, value: number): void {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.tag(field, 1);
    this.push(b);
  }

  bytes(field: number, value: Buffer, always = false): void {
    if (value.length === 0 && !always) return;
    this.tag(field, 2);
    this.varint(BigInt(value.length));
    this.push(value);
  }

  string(field: number, value: string | undefined, always = false): void {
    if (value === undefined) return;
    this.bytes(field, Buffer.from(value, 'utf8'), always);
  }

  hex(field: number, value: string | undefined): void {
    if (value) this.bytes(field, Buffer.from(value, 'hex'));
  }

  message(field: number, write: (w: Writer) => void): void {
    const inner = new Writer();
    write(inner);
    this.bytes(field, inner.finish(), true);
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

function anyValue(w: Writer, v: OtlpAnyValue): void {
  if (typeof v.stringValue === 'string') w.string(1, v.stringValue, true);
  else if (typeof v.boolValue === 'boolean') w.bool(2, v.boolValue);
  else if (v.intValue !== undefined) w.int64(3, v.intValue);
  else if (v.doubleValue !== undefined) w.double(4, Number(v.doubleValue));
  else if (v.arrayValue) w.message(5, (a) => v.arrayValue!.values.forEach((x) => a.message(1, (e) => anyValue(e, x))));
  else if (v.kvlistValue) w.message(6, (l) => keyValues(l, 1, v.kvlistValue!.values));
  else if (typeof v.bytesValue === 'string') w.bytes(7, Buffer.from(v.bytesValue, 'base64'), true);
}

function keyValues(w: Writer, field: number, list: readonly OtlpKeyValue[] | undefined): void {
  for (const kv of list ?? []) {
    w.message(field, (m) => {
      m.string(1, kv.key);
      if (kv.value) m.message(2, (v) => anyValue(v, kv.value));
    });
  }
}

const count = (entity: OtlpEntity, key: string): number | undefined =>
  typeof entity[key] === 'number' ? (entity[key] as number) : undefined;

function event(w: Writer, e: OtlpEvent): void {
  w.fixed64(1, e.timeUnixNano);
  w.string(2, e.name);
  keyValues(w, 3, e.attributes);
  w.uint(4, e.droppedAttributesCount);
}

function link(w: Writer, l: OtlpLink): void {
  w.hex(1, l.traceId);
  w.hex(2, l.spanId);
  w.string(3, l.traceState);
  keyValues(w, 4, l.attributes);
  w.uint(5, l.droppedAttributesCount);
}

function span(w: Writer, s: OtlpSpan): void {
  w.hex(1, s.traceId);
  w.hex(2, s.spanId);
  w.string(3, s.traceState);
  w.hex(4, s.parentSpanId);
  w.string(5, s.name);
  w.uint(6, s.kind);
  w.fixed64(7, s.startTimeUnixNano);
  w.fixed64(8, s.endTimeUnixNano);
  keyValues(w, 9, s.attributes);
  w.uint(10, s.droppedAttributesCount);
  for (const e of s.events ?? []) w.message(11, (m) => event(m, e));
  w.uint(12, s.droppedEventsCount);
  for (const l of s.links ?? []) w.message(13, (m) => link(m, l));
  w.uint(14, s.droppedLinksCount);
  if (s.status) {
    w.message(15, (m) => {
      m.string(2, s.status.message);
      m.uint(3, s.status.code);
    });
  }
}

/** The request as protobuf bytes. */
export function encodeExportRequestProtobuf(request: OtlpExportRequest): Buffer {
  const w = new Writer();
  for (const rs of request.resourceSpans) {
    w.message(1, (r) => {
      if (rs.resource) {
        const resource = rs.resource;
        r.message(1, (m) => {
          keyValues(m, 1, resource.attributes);
          m.uint(2, count(resource, 'droppedAttributesCount'));
        });
      }
      for (const ss of rs.scopeSpans) {
        r.message(2, (m) => {
          if (ss.scope) {
            const scope = ss.scope;
            m.message(1, (sc) => {
              sc.string(1, typeof scope.name === 'string' ? scope.name : undefined);
              sc.string(2, typeof scope.version === 'string' ? scope.version : undefined);
              keyValues(sc, 3, scope.attributes);
              sc.uint(4, count(scope, 'droppedAttributesCount'));
            });
          }
          for (const s of ss.spans) m.message(2, (sp) => span(sp, s));
          m.string(3, ss.schemaUrl);
        });
      }
      r.string(3, rs.schemaUrl);
    });
  }
  return w.finish();
}
