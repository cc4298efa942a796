import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeExportRequest } from '../../handlers/ingest/decode';
import { HttpError } from '../../handlers/ingest/http-error';
import { DEFAULT_REDACT_KEYS, Redactor } from '../../src/redaction';
import { toProtobuf } from '../../testing/otlp-protobuf';

// Property-based, as test/fuzz/parsers.test.ts does for the JSON decoder: random and
// mutated protobuf bodies never throw anything but a 400 out of the ingest's decoder, and
// valid requests decode exactly as their JSON form does. FUZZ_RUNS raises the run count.
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const opts = { numRuns: RUNS };
const rules = { maxCount: 128, maxValueLength: 8192, redactor: new Redactor(DEFAULT_REDACT_KEYS) };
const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((h) => !/^0+$/.test(h));
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

const anyValue: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string().map((s) => ({ stringValue: s })),
    fc.boolean().map((b) => ({ boolValue: b })),
    int64.map((i) => ({ intValue: String(i) })),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => ({ doubleValue: d })),
    fc.uint8Array({ maxLength: 8 }).map((b) => ({ bytesValue: Buffer.from(b).toString('base64') })),
    fc.array(tie('value'), { maxLength: 3 }).map((values) => ({ arrayValue: { values } })),
    fc
      .array(fc.record({ key: fc.string({ minLength: 1 }), value: tie('value') }), { maxLength: 3 })
      .map((values) => ({ kvlistValue: { values } })),
  ),
})).value;

const span = fc
  .record({
    traceId: hex(32),
    spanId: hex(16),
    parentSpanId: fc.option(hex(16), { nil: undefined }),
    name: fc.string(),
    kind: fc.integer({ min: 0, max: 5 }),
    startTimeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
    attributes: fc.array(fc.record({ key: fc.string({ minLength: 1 }), value: anyValue }), { maxLength: 5 }),
    events: fc.array(
      fc.record({
        timeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
        name: fc.string(),
        attributes: fc.constant([]),
      }),
      { maxLength: 2 },
    ),
    status: fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.string() }),
  })
  .map((s) => ({ ...s, endTimeUnixNano: s.startTimeUnixNano }));
const request = fc.array(span, { maxLength: 10 }).map((spans) => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
      scopeSpans: [{ scope: { name: 's', version: '1' }, spans }],
    },
  ],
}));

function onlyBadRequests(bytes: Uint8Array): void {
  try {
    decodeExportRequest({ format: 'protobuf', bytes: Buffer.from(bytes) }, rules);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/^the body is not/);
  }
}

/** A valid body cut, with bytes flipped, dropped or inserted: truncations, wrong wire types, bad lengths, unknown fields. */
const mutated = fc
  .tuple(
    request.map((r) => toProtobuf(r)),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'drop', 'insert', 'cut')), {
      minLength: 1,
      maxLength: 6,
    }),
  )
  .map(([body, edits]) => {
    let bytes = [...body];
    for (const [at, byte, kind] of edits) {
      if (bytes.length === 0) break;
      const i = at % bytes.length;
      if (kind === 'set') bytes[i] = byte;
      else if (kind === 'drop') bytes.splice(i, 1);
      else if (kind === 'insert') bytes.splice(i, 0, byte);
      else bytes = bytes.slice(0, i);
    }
    return Uint8Array.from(bytes);
  });

describe("the ingest's protobuf decoder", () => {
  it('decodes every valid request exactly as its JSON form, 64-bit values included', () => {
    fc.assert(
      fc.property(request, (req) => {
        // Compared as the stream holds them, in JSON (where -0 is 0, as a JSON sender sends it).
        const fromJson = JSON.stringify(decodeExportRequest({ format: 'json', text: JSON.stringify(req) }, rules));
        expect(JSON.stringify(decodeExportRequest({ format: 'protobuf', bytes: toProtobuf(req) }, rules))).toBe(
          fromJson,
        );
      }),
      opts,
    );
  });

  it('only ever answers a 400, for random bytes, mutated requests and hostile nesting', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), onlyBadRequests), opts);
    fc.assert(fc.property(mutated, onlyBadRequests), opts);
    // Length-delimited fields nested 200,000 deep (each `0a` + a one-byte length past the end).
    onlyBadRequests(Buffer.alloc(400_000, 0x0a));
    // Varints of ten 0xff bytes and longer, in every position a tag could be.
    onlyBadRequests(Buffer.alloc(64, 0xff));
  });
});
