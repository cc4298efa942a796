import fc from 'fast-check';
import { SpanKind, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { encodeBatches } from '../../src/exporter/otlp-json';
import { Redactor } from '../../src/redaction';
import { RecordingSpan } from '../../src/tracer/span';

// The encoder writes JSON text itself: whatever the strings and numbers, the body must parse
// and say what the span held.
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const none = new Redactor([]);
const rules = {
  limits: { attributeCount: 128, attributeValueLength: 8192, eventCount: 128, linkCount: 128 },
  redactor: none,
};
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }));
// API 1.10's AnyValue too: maps, arrays of mixed values, bytes and null, nested.
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 6 }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(text, tie('value'), { maxKeys: 3 }),
  ),
}));

function expected(v: unknown): unknown {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63)
      return { intValue: Number.isSafeInteger(v) ? String(v) : BigInt(v).toString() };
    return { doubleValue: Number.isFinite(v) ? (Object.is(v, -0) ? 0 : v) : String(v) };
  }
  if (v === null) return {};
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(expected) } };
  const map = v as Record<string, unknown>;
  return { kvlistValue: { values: Object.keys(map).map((key) => ({ key, value: expected(map[key]) })) } };
}

describe('OTLP JSON encoding of any strings and numbers', () => {
  it('always parses, and holds the names, keys and values given', () => {
    fc.assert(
      fc.property(
        text,
        fc.dictionary(text, value, { maxKeys: 6 }),
        text,
        text,
        (name, attributes, eventName, message) => {
          const span = new RecordingSpan(
            { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED },
            name,
            SpanKind.SERVER,
            undefined,
            1_700_000_000_000,
            { name: 'fuzz' },
            rules,
            { onEnd: () => undefined },
            attributes as never,
          );
          span.addEvent(eventName, { [eventName]: message });
          span.setStatus({ code: 2, message });
          span.end(1_700_000_000_001);
          const encoded = JSON.parse(encodeBatches([span], { r: name }, 10_000_000, none).bodies[0]!.json)
            .resourceSpans[0].scopeSpans[0].spans[0];
          expect(encoded.name).toBe(name);
          // What the span kept (valid keys, bounded values), as OTLP says it.
          const held = (values: Record<string, unknown>) =>
            Object.keys(values).map((key) => ({ key, value: expected(values[key]) }));
          expect(encoded.attributes).toEqual(held(span.attributes.values));
          // ... and that is what was given: every value fits the bounds here.
          for (const key of Object.keys(attributes))
            if (key !== '') expect(expected(span.attributes.values[key])).toEqual(expected(attributes[key]));
          expect(encoded.events[0].name).toBe(eventName);
          expect(encoded.events[0].attributes).toEqual(held(span.events[0]!.attributes.values));
          expect(encoded.status).toEqual(message ? { code: 2, message } : { code: 2 });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
