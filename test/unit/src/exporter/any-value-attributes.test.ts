import { SpanKind, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { encodeBatches } from '../../../../src/exporter/otlp-json';
import { MAX_VALUE_DEPTH, MAX_VALUE_NODES } from '../../../../src/otlp/value-bounds';
import { DEFAULT_REDACT_KEYS, REDACTED, Redactor } from '../../../../src/redaction';
import { RecordingSpan } from '../../../../src/tracer/span';
import { ANY_VALUES, ANY_VALUES_OTLP, otlpString as str } from '../../../helpers/any-values';

// API 1.10's AnyValue attributes as the library holds and exports them (OTLP kvlistValue,
// arrayValue, bytesValue, empty), bounded as the OpenTelemetry JS SDK 3 bounds them.

const redactor = new Redactor(DEFAULT_REDACT_KEYS);
const rules = { limits: { attributeCount: 4, attributeValueLength: 5, eventCount: 4, linkCount: 4 }, redactor };

function make(limits: Partial<typeof rules.limits> = {}): RecordingSpan {
  const context = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED };
  return new RecordingSpan(
    context,
    'op',
    SpanKind.INTERNAL,
    undefined,
    1_700_000_000_000,
    { name: 't' },
    { ...rules, limits: { ...rules.limits, ...limits } },
    { onEnd: () => undefined },
  );
}

function exported(span: RecordingSpan): {
  attributes: unknown[];
  droppedAttributesCount: number;
  events: Array<{ attributes: unknown[] }>;
} {
  span.end(1_700_000_000_001);
  const body = JSON.parse(encodeBatches([span], {}, 1_000_000, redactor).bodies[0]!.json);
  return body.resourceSpans[0].scopeSpans[0].spans[0];
}

describe('AnyValue attributes (API 1.10)', () => {
  it('carries maps, heterogeneous arrays, bytes and empty values as OTLP JSON', () => {
    const span = make();
    span.setAttributes(ANY_VALUES as never);
    expect(exported(span).attributes).toEqual(ANY_VALUES_OTLP);
  });

  it('keeps a copy: changing the object after setting it changes nothing', () => {
    const span = make();
    const value = { list: ['a'] as string[] };
    const bytes = Buffer.from('abc');
    span.setAttributes({ value, bytes } as never);
    value.list.push('b');
    bytes[0] = 0x7a;
    expect(exported(span).attributes).toEqual([
      {
        key: 'value',
        value: { kvlistValue: { values: [{ key: 'list', value: { arrayValue: { values: [str('a')] } } }] } },
      },
      { key: 'bytes', value: { bytesValue: Buffer.from('abc').toString('base64') } },
    ]);
  });

  it('cuts each string and byte array inside to the value length limit; a whole value counts as one attribute', () => {
    const span = make();
    span.setAttribute('map', { long: 'abcdefgh', deeper: [['123456789']], bytes: new Uint8Array(9) } as never);
    span.setAttributes({ b: 1, c: 2, d: 3, e: 4 });
    const out = exported(span);
    expect(out.attributes[0]).toEqual({
      key: 'map',
      value: {
        kvlistValue: {
          values: [
            { key: 'long', value: str('abcde') },
            { key: 'deeper', value: { arrayValue: { values: [{ arrayValue: { values: [str('12345')] } }] } } },
            { key: 'bytes', value: { bytesValue: Buffer.alloc(5).toString('base64') } },
          ],
        },
      },
    });
    expect(out.attributes).toHaveLength(4);
    expect(out.droppedAttributesCount).toBe(1);
  });

  it('redacts inside: sensitive keys of maps at any depth, secrets in strings of arrays', () => {
    const span = make({ attributeValueLength: 100 });
    span.setAttribute('request', {
      headers: { authorization: 'Bearer abc', accept: 'json' },
      list: [{ password: 'hunter2' }],
    } as never);
    span.setAttribute('urls', ['https://u:hunter2@host/', 'x'] as never);
    const text = JSON.stringify(exported(span).attributes);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('abc');
    expect(text).toContain('json');
    expect(text.split(REDACTED).length - 1).toBe(4);
  });

  it(`drops a value nested deeper than ${MAX_VALUE_DEPTH} levels, a cyclic one and one of more than ${MAX_VALUE_NODES} values, whole and counted`, () => {
    const nest = (levels: number): unknown => (levels === 0 ? 'leaf' : [nest(levels - 1)]);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const span = make({ attributeCount: 10 });
    span.setAttributes({
      deepest: nest(MAX_VALUE_DEPTH),
      tooDeep: nest(MAX_VALUE_DEPTH + 1),
      cyclic,
      wide: Array.from({ length: MAX_VALUE_NODES }, () => 0),
    } as never);
    expect(Object.keys(span.attributes.values)).toEqual(['deepest']);
    expect(span.attributes.dropped).toBe(3);
  });

  it('carries them in event and link attributes too', () => {
    const span = make();
    span.addEvent('e', { payload: { k: ['v'] } } as never);
    expect(exported(span).events[0]!.attributes).toEqual([
      {
        key: 'payload',
        value: { kvlistValue: { values: [{ key: 'k', value: { arrayValue: { values: [str('v')] } } }] } },
      },
    ]);
  });
});
