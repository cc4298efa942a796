import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeExportRequest } from '../../handlers/ingest/decode';
import { checkJsonItems, DEFAULT_REQUEST_LIMITS, RequestLimitError } from '../../handlers/ingest/request-limits';
import { varint } from '../../handlers/ingest/response';
import { DEFAULT_REDACT_KEYS, Redactor } from '../../src/redaction';
import { HoptraceAttribute } from '../../src/otlp/hoptrace-attributes';
import { decodeStreamRecord, encodeStreamRecord, StreamRecordError } from '../../src/otlp/stream-record';
import type { OtlpExportRequest } from '../../src/otlp/types';
import { toProtobuf } from '../../testing/otlp-protobuf';

// Property-based, as the other fuzz suites: the work-limit scan of JSON bodies, protobuf
// groups, and the one stream-record reader. FUZZ_RUNS raises the run count.
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const opts = { numRuns: RUNS };
const rules = { maxCount: 128, maxValueLength: 8192, redactor: new Redactor(DEFAULT_REDACT_KEYS) };
const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((h) => !/^0+$/.test(h));

/** Objects and arrays in a parsed JSON value, counted by walking it. */
function containers(value: unknown): { objects: number; arrays: number } {
  const count = { objects: 0, arrays: 0 };
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      count.arrays++;
      v.forEach(walk);
    } else if (v !== null && typeof v === 'object') {
      count.objects++;
      Object.values(v).forEach(walk);
    }
  };
  walk(value);
  return count;
}

const refuses = (text: string, max: number): boolean => {
  try {
    checkJsonItems(text, max);
    return false;
  } catch (error) {
    if (error instanceof RequestLimitError) return true;
    throw error;
  }
};

describe('the JSON work-limit scan', () => {
  it('counts exactly the objects and arrays JSON.parse would build, whatever the strings hold', () => {
    // Strings full of quotes, backslashes, braces and brackets: the scan must skip them all.
    const tricky = fc.string({ unit: fc.constantFrom('"', '\\', '{', '}', '[', ']', 'a', '\u00e9', '\n') });
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        tricky,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.dictionary(tricky, tie('v'), { maxKeys: 4 }),
      ),
    })).v;
    fc.assert(
      fc.property(value, fc.nat(12), (v, max) => {
        const text = JSON.stringify(v, null, max % 3 === 0 ? 1 : undefined);
        const { objects, arrays } = containers(v);
        expect(refuses(text, max)).toBe(objects > max || arrays > max);
      }),
      opts,
    );
  });

  it('never throws anything but its own error on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.nat(5), (text, max) => void refuses(text, max)),
      opts,
    );
  });
});

const span = fc
  .record({
    traceId: hex(32),
    spanId: hex(16),
    name: fc.string(),
    startTimeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String),
    attributes: fc.array(
      fc.record({
        key: fc.constantFrom('k', 'v', HoptraceAttribute.Tenant),
        value: fc.string().map((s) => ({ stringValue: s })),
      }),
      { maxLength: 4 },
    ),
  })
  .map((s) => ({ ...s, endTimeUnixNano: s.startTimeUnixNano }));
const request = fc.array(span, { maxLength: 6 }).map((spans) => ({
  resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 's' }, spans }] }],
}));

/** Unknown fields (numbers 16-1000) as a proto2 sender may write them: groups, nested, among varints and strings. */
const unknownGroup: fc.Arbitrary<number[]> = fc.letrec((tie) => ({
  group: fc
    .tuple(fc.integer({ min: 16, max: 1000 }), fc.array(tie('field'), { maxLength: 3 }))
    .map(([n, fields]) => [...varint((n << 3) | 3), ...fields.flat(), ...varint((n << 3) | 4)]),
  field: fc.oneof(
    { depthSize: 'small' },
    fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.nat()).map(([n, v]) => [...varint(n << 3), ...varint(v)]),
    fc
      .tuple(fc.integer({ min: 1, max: 1000 }), fc.uint8Array({ maxLength: 6 }))
      .map(([n, b]) => [...varint((n << 3) | 2), b.length, ...b]),
    tie('group'),
  ),
})).group as fc.Arbitrary<number[]>;

describe('protobuf groups', () => {
  it('are skipped wherever they sit between fields: the request decodes as it does without them', () => {
    fc.assert(
      fc.property(
        request,
        fc.array(unknownGroup, { maxLength: 3 }),
        fc.array(unknownGroup, { maxLength: 3 }),
        (req, before, after) => {
          const plain = toProtobuf(req);
          const withGroups = Buffer.concat([Buffer.from(before.flat()), plain, Buffer.from(after.flat())]);
          expect(decodeExportRequest({ format: 'protobuf', bytes: withGroups }, rules)).toEqual(
            decodeExportRequest({ format: 'protobuf', bytes: plain }, rules),
          );
        },
      ),
      opts,
    );
  });
});

describe('the stream-record reader', () => {
  it('reads back every request written, the tenant on the resource only', () => {
    fc.assert(
      fc.property(request, (req) => {
        const { request: read } = decodeStreamRecord(encodeStreamRecord(req as unknown as OtlpExportRequest));
        const expected = structuredClone(req);
        for (const s of expected.resourceSpans[0]!.scopeSpans[0]!.spans)
          s.attributes = s.attributes.filter((kv) => kv.key !== HoptraceAttribute.Tenant);
        expect(read).toEqual(expected);
      }),
      opts,
    );
  });

  it('throws only its own error for random bytes, random JSON and mutated records', () => {
    const onlyRecordErrors = (data: Buffer): void => {
      try {
        decodeStreamRecord(data);
      } catch (error) {
        expect(error).toBeInstanceOf(StreamRecordError);
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => onlyRecordErrors(Buffer.from(bytes))),
      opts,
    );
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (json) => onlyRecordErrors(gzipSync(json))),
      opts,
    );
    fc.assert(
      fc.property(request, fc.nat(), fc.integer({ min: 0, max: 255 }), (req, at, byte) => {
        const data = Buffer.from(encodeStreamRecord(req as unknown as OtlpExportRequest));
        data[at % data.length] = byte;
        onlyRecordErrors(data);
      }),
      opts,
    );
  });
});

describe("the ingest's limits", () => {
  it('decode every request within them in either encoding, and refuse one over them with 413', () => {
    fc.assert(
      fc.property(request, fc.nat(8), (req, maxSpans) => {
        const spans = req.resourceSpans[0]!.scopeSpans[0]!.spans.length;
        const limits = { ...DEFAULT_REQUEST_LIMITS, maxSpans };
        for (const body of [
          { format: 'json' as const, text: JSON.stringify(req) },
          { format: 'protobuf' as const, bytes: toProtobuf(req) },
        ]) {
          let status: number | 'accepted' = 'accepted';
          try {
            decodeExportRequest(body, rules, limits);
          } catch (error) {
            status = (error as { status: number }).status;
          }
          expect(status).toBe(spans > maxSpans ? 413 : 'accepted');
        }
      }),
      opts,
    );
  });
});
