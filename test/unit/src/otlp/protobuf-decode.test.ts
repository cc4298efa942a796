import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { decodeExportRequest } from '../../../../handlers/ingest/decode';
import { HttpError } from '../../../../handlers/ingest/http-error';
import { readExportRequest } from '../../../../src/otlp/protobuf-decode';
import { DEFAULT_REQUEST_LIMITS, WorkBudget } from '../../../../handlers/ingest/request-limits';
import { DEFAULT_REDACT_KEYS, Redactor } from '../../../../src/redaction';
import { toProtobuf } from '../../../../testing/otlp-protobuf';
import { exportRequest, otlpSpan } from '../../../helpers/otlp-payload';

const rules = { maxCount: 128, maxValueLength: 8192, redactor: new Redactor(DEFAULT_REDACT_KEYS) };
const fromJson = (request: unknown) => decodeExportRequest({ format: 'json', text: JSON.stringify(request) }, rules);
const fromProtobuf = (bytes: Buffer) => decodeExportRequest({ format: 'protobuf', bytes }, rules);

function refusal(bytes: Buffer): HttpError {
  try {
    fromProtobuf(bytes);
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('accepted');
}

/** One span whose only attribute is `value`, in protobuf. */
const withValue = (value: Record<string, unknown>) =>
  toProtobuf(exportRequest([otlpSpan({ attributes: [{ key: 'v', value }] })]));

describe('the protobuf decoder', () => {
  it('gives exactly what the JSON decoder gives for the same request', () => {
    const request = exportRequest([
      otlpSpan({
        parentSpanId: 'ab'.repeat(8),
        traceState: 'k=v',
        kind: 3,
        attributes: [
          { key: 's', value: { stringValue: 'héllo' } },
          { key: 'empty', value: { stringValue: '' } },
          { key: 'b', value: { boolValue: true } },
          { key: 'i', value: { intValue: '-42' } },
          { key: 'd', value: { doubleValue: 1.25 } },
          { key: 'bytes', value: { bytesValue: 'AAEC/w==' } },
          { key: 'a', value: { arrayValue: { values: [{ intValue: '1' }, { stringValue: 'x' }] } } },
          {
            key: 'kv',
            value: { kvlistValue: { values: [{ key: 'db.password', value: { stringValue: 'hunter2' } }] } },
          },
          { key: 'api_key', value: { stringValue: 'secret' } },
        ],
        events: [
          {
            timeUnixNano: '1700000000000000001',
            name: 'e',
            attributes: [{ key: 'x', value: { intValue: '1' } }],
            droppedAttributesCount: 2,
          },
        ],
        links: [{ traceId: 'cd'.repeat(16), spanId: 'ef'.repeat(8), traceState: 'a=b', attributes: [] }],
        droppedAttributesCount: 3,
        droppedEventsCount: 4,
        droppedLinksCount: 5,
        status: { code: 2, message: 'failed' },
      }),
      otlpSpan({ spanId: 'short' }),
    ]);
    const json = fromJson(request);
    expect(json.rejected).toBe(1);
    expect(fromProtobuf(toProtobuf(request))).toEqual(json);
    expect(JSON.stringify(json)).not.toContain('hunter2');
  });

  it('reads 64-bit values without losing a digit', () => {
    for (const intValue of ['9223372036854775807', '-9223372036854775808', '-1', '9007199254740993', '0']) {
      const value = readExportRequest(withValue({ intValue }), new WorkBudget(DEFAULT_REQUEST_LIMITS)) as any;
      expect(value.resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value).toEqual({ intValue });
    }
    const late = toProtobuf(
      exportRequest([otlpSpan({ startTimeUnixNano: '18446744073709551615', endTimeUnixNano: '18446744073709551615' })]),
    );
    expect(fromProtobuf(late).groups[0]!.scopes[0]!.spans[0]!.startTimeUnixNano).toBe('18446744073709551615');
  });

  it('spells non-finite doubles as OTLP JSON does', () => {
    for (const [double, spelled] of [
      [NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [-Infinity, '-Infinity'],
    ] as const) {
      const bytes = withValue({ doubleValue: double });
      expect(fromProtobuf(bytes).groups[0]!.scopes[0]!.spans[0]!.attributes[0]!.value).toEqual({
        doubleValue: spelled,
      });
    }
  });

  it('skips unknown fields of every wire type', () => {
    const known = toProtobuf(exportRequest([otlpSpan()]));
    // Field 99 as varint, fixed64, length-delimited and fixed32, before the request's own.
    const unknown = Buffer.from([
      0x98, 0x06, 0x96, 0x01, 0x99, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, 0x9a, 0x06, 2, 0xaa, 0xbb, 0x9d, 0x06, 1, 2, 3, 4,
    ]);
    expect(fromProtobuf(Buffer.concat([unknown, known]))).toEqual(fromProtobuf(known));
  });

  it('reads fields left out as proto3 defaults, and rejects the span they make invalid', () => {
    // A span with nothing but a name: no ids, so it is rejected alone, with the reason.
    const bare = Buffer.from([0x0a, 0x09, 0x12, 0x07, 0x12, 0x05, 0x2a, 0x03, 0x6f, 0x70, 0x73]);
    const result = fromProtobuf(bare);
    expect(result.rejected).toBe(1);
    expect(result.reasons[0]).toContain('traceId must be 32 hex digits');
    expect(fromProtobuf(Buffer.alloc(0)).groups).toEqual([]);
  });

  it('stops reading values nested past the depth limit, as the JSON decoder drops them', () => {
    let deep: Record<string, unknown> = { stringValue: 'bottom' };
    for (let i = 0; i < 20; i++) deep = { arrayValue: { values: [deep] } };
    const request = exportRequest([otlpSpan({ attributes: [{ key: 'deep', value: deep }] })]);
    expect(fromProtobuf(toProtobuf(request))).toEqual(fromJson(request));
    expect(JSON.stringify(fromJson(request))).not.toContain('bottom');
  });

  it('refuses malformed bodies with 400 and says what is wrong', () => {
    const good = toProtobuf(exportRequest([otlpSpan()]));
    const cases: Array<[string, Buffer, string]> = [
      ['a truncated body', good.subarray(0, good.length - 3), 'past the end'],
      ['a truncated varint', Buffer.from([0x0a, 0x80]), 'truncated varint'],
      ['a varint longer than 10 bytes', Buffer.from([0x10, ...Array(11).fill(0xff), 0x01]), 'longer than 10 bytes'],
      ['a length past the end', Buffer.from([0x0a, 0x7f, 0x00]), 'length past the end'],
      ['a known field with the wrong wire type', Buffer.from([0x08, 0x01]), 'wire type 0, not 2'],
      ['a group that is never closed', Buffer.from([0x13]), 'truncated varint'],
      ['an end-group tag without its start', Buffer.from([0x14]), 'end-group tag (field 2) without its start'],
      ['a group closed by another field', Buffer.from([0x13, 0x1c]), 'closes no open group'],
      ['field number 0', Buffer.from([0x02, 0x00]), 'field number 0'],
      [
        'a truncated fixed64 time',
        Buffer.from([0x0a, 0x08, 0x12, 0x06, 0x12, 0x04, 0x39, 0x01, 0x02, 0x03]),
        'truncated fixed64',
      ],
      ['JSON sent as protobuf', Buffer.from(JSON.stringify(exportRequest([otlpSpan()]))), 'at byte'],
    ];
    for (const [label, bytes, message] of cases) {
      const error = refusal(bytes);
      expect({ label, status: error.status }).toEqual({ label, status: 400 });
      expect(error.message).toContain('not a protobuf ExportTraceServiceRequest');
      expect(error.message).toContain(message);
    }
  });
});

// The OTLP messages this test reads with protobufjs: the fields it writes, nothing more.
const OTLP_SUBSET = `syntax = "proto3";
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { repeated ScopeSpans scope_spans = 2; }
message ScopeSpans { repeated Span spans = 2; }
message Span { bytes trace_id = 1; bytes span_id = 2; string name = 5; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue { string string_value = 1; }`;

/** An unknown group (field `field`) holding a varint, a string and a nested group, as a proto2 sender writes it. */
function group(writer: protobuf.Writer, field: number): void {
  writer.uint32((field << 3) | 3);
  writer.uint32((1 << 3) | 0).int64(42);
  writer.uint32((2 << 3) | 2).string('inside');
  writer
    .uint32((3 << 3) | 3)
    .uint32((1 << 3) | 5)
    .fixed32(7)
    .uint32((3 << 3) | 4);
  writer.uint32((field << 3) | 4);
}

describe('groups (wire types 3 and 4)', () => {
  it('are skipped wherever they appear, and the request reads as protobufjs reads it', () => {
    const w = protobuf.Writer.create();
    group(w, 99);
    w.uint32((1 << 3) | 2).fork(); // resource_spans
    group(w, 98);
    w.uint32((2 << 3) | 2).fork(); // scope_spans
    w.uint32((2 << 3) | 2).fork(); // spans
    w.uint32((1 << 3) | 2).bytes(Buffer.alloc(16, 0xab));
    group(w, 50);
    w.uint32((2 << 3) | 2).bytes(Buffer.alloc(8, 0xcd));
    w.uint32((5 << 3) | 2).string('GET /');
    w.uint32((7 << 3) | 1).fixed64('1700000000000000000');
    w.uint32((8 << 3) | 1).fixed64('1700000000100000000');
    w.uint32((9 << 3) | 2).fork(); // attributes
    w.uint32((1 << 3) | 2).string('k');
    group(w, 7);
    w.uint32((2 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 2)
      .string('v')
      .ldelim();
    w.ldelim().ldelim().ldelim().ldelim();
    const bytes = Buffer.from(w.finish());

    const Request = protobuf.parse(OTLP_SUBSET).root.lookupType('ExportTraceServiceRequest');
    const theirs = Request.toObject(Request.decode(bytes), { longs: String, bytes: String }) as any;
    const theirSpan = theirs.resourceSpans[0].scopeSpans[0].spans[0];
    const [span] = fromProtobuf(bytes).groups[0]!.scopes[0]!.spans;
    expect(span).toMatchObject({
      traceId: Buffer.from(theirSpan.traceId, 'base64').toString('hex'),
      spanId: Buffer.from(theirSpan.spanId, 'base64').toString('hex'),
      name: theirSpan.name,
      startTimeUnixNano: theirSpan.startTimeUnixNano,
      endTimeUnixNano: theirSpan.endTimeUnixNano,
      attributes: [
        { key: theirSpan.attributes[0].key, value: { stringValue: theirSpan.attributes[0].value.stringValue } },
      ],
    });
    expect(span!.name).toBe('GET /');
  });
});
