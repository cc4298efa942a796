import { SpanKind, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { encodeBatches } from '../../../../src/exporter/otlp-json';
import { Redactor } from '../../../../src/redaction';
import { RecordingSpan, type InstrumentationScope } from '../../../../src/tracer/span';
import { msToNanoString } from '../../../../src/tracer/time';

const limits = {
  limits: { attributeCount: 128, attributeValueLength: 8192, eventCount: 128, linkCount: 128 },
  redactor: new Redactor([]),
};
const sink = { onEnd: () => undefined };
const none = new Redactor([]);

function span(
  name: string,
  scope: InstrumentationScope = { name: 'lib', version: '1.0.0' },
  attributes = {},
  during?: (s: RecordingSpan) => void,
): RecordingSpan {
  const s = new RecordingSpan(
    { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED },
    name,
    SpanKind.CLIENT,
    'c'.repeat(16),
    1_700_000_000_123.456,
    scope,
    limits,
    sink,
    attributes,
  );
  during?.(s);
  s.end(1_700_000_000_223.5);
  return s;
}

describe('OTLP JSON encoding', () => {
  it('encodes a span as OTLP/HTTP JSON: hex ids, integer enums, string nanos', () => {
    const s = span(
      'GET /x',
      { name: 'lib', version: '1.0.0' },
      { str: 's', int: 3, dbl: 1.5, bool: true, arr: ['a', 'b'] },
      (open) => open.addEvent('evt', { n: 1 }, 1_700_000_000_200),
    );
    const { bodies } = encodeBatches([s], { 'service.name': 'svc' }, 1_000_000, none);
    const body = JSON.parse(bodies[0]!.json);
    const [resourceSpans] = body.resourceSpans;
    expect(resourceSpans.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'svc' } },
      { key: 'hoptrace.export.spans', value: { intValue: '1' } },
    ]);
    expect(resourceSpans.scopeSpans[0].scope).toEqual({ name: 'lib', version: '1.0.0' });
    const encoded = resourceSpans.scopeSpans[0].spans[0];
    expect(encoded).toMatchObject({
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      parentSpanId: 'c'.repeat(16),
      name: 'GET /x',
      kind: 3,
      startTimeUnixNano: '1700000000123456000',
      endTimeUnixNano: '1700000000223500000',
      status: { code: 0 },
    });
    expect(encoded.attributes).toEqual([
      { key: 'str', value: { stringValue: 's' } },
      { key: 'int', value: { intValue: '3' } },
      { key: 'dbl', value: { doubleValue: 1.5 } },
      { key: 'bool', value: { boolValue: true } },
      { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
    ]);
    expect(encoded.events[0]).toMatchObject({ name: 'evt', timeUnixNano: '1700000000200000000' });
  });

  it('encodes the resource and scope of each call, though it encodes each only once', () => {
    const serviceOf = (resource: Record<string, string>, scope: InstrumentationScope): [string, unknown] => {
      const body = JSON.parse(encodeBatches([span('x', scope)], resource, 1_000_000, none).bodies[0]!.json);
      return [
        body.resourceSpans[0].resource.attributes[0].value.stringValue,
        body.resourceSpans[0].scopeSpans[0].scope,
      ];
    };
    const a = { 'service.name': 'a' };
    const one = { name: 'one', version: '1' };
    expect(serviceOf(a, one)).toEqual(['a', { name: 'one', version: '1' }]);
    expect(serviceOf({ 'service.name': 'b' }, { name: 'two' })).toEqual(['b', { name: 'two' }]);
    expect(serviceOf(a, one)).toEqual(['a', { name: 'one', version: '1' }]);
  });

  it('groups spans by instrumentation scope', () => {
    const spans = [
      span('a', { name: 'one', version: '1' }),
      span('b', { name: 'two', version: '1' }),
      span('c', { name: 'one', version: '1' }),
    ];
    const body = JSON.parse(encodeBatches(spans, {}, 1_000_000, none).bodies[0]!.json);
    const scopes = body.resourceSpans[0].scopeSpans.map((s: { scope: { name: string }; spans: unknown[] }) => [
      s.scope.name,
      s.spans.length,
    ]);
    expect(scopes).toEqual([
      ['one', 2],
      ['two', 1],
    ]);
  });

  it('splits into bodies no larger than the limit, losing no span', () => {
    const spans = Array.from({ length: 300 }, (_, i) =>
      span(`s${i}`, { name: `scope${i % 3}`, version: '1' }, { pad: 'p'.repeat(200) }),
    );
    const { bodies, oversized } = encodeBatches(spans, { 'service.name': 'svc' }, 10_000, none);
    expect(oversized).toBe(0);
    expect(bodies.length).toBeGreaterThan(10);
    const names: string[] = [];
    for (const body of bodies) {
      expect(Buffer.byteLength(body.json)).toBeLessThanOrEqual(10_000);
      const parsed = JSON.parse(body.json);
      const spansIn = parsed.resourceSpans[0].scopeSpans.flatMap((s: { spans: Array<{ name: string }> }) =>
        s.spans.map((x) => x.name),
      );
      expect(spansIn).toHaveLength(body.spans);
      names.push(...spansIn);
    }
    expect(names.sort()).toEqual(spans.map((s) => s.name).sort());
  });

  it("stamps each body with its span count, and the first one with the exporter's trouble, within the size limit", () => {
    const spans = Array.from({ length: 100 }, (_, i) => span(`s${i}`, undefined, { pad: 'p'.repeat(100) }));
    const trouble = { 'hoptrace.export.spans_dropped': 7, 'hoptrace.export.breaker_opens': 1 };
    for (const resource of [{}, { 'service.name': 'svc' }]) {
      const { bodies } = encodeBatches(spans, resource, 3_000, none, trouble);
      expect(bodies.length).toBeGreaterThan(3);
      const stamps = bodies.map((body) => {
        expect(Buffer.byteLength(body.json)).toBeLessThanOrEqual(3_000);
        const attributes = JSON.parse(body.json).resourceSpans[0].resource.attributes as Array<{
          key: string;
          value: { intValue?: string };
        }>;
        return Object.fromEntries(
          attributes.filter((kv) => kv.key.startsWith('hoptrace.')).map((kv) => [kv.key, Number(kv.value.intValue)]),
        );
      });
      expect(stamps[0]).toEqual({
        'hoptrace.export.spans': bodies[0]!.spans,
        'hoptrace.export.spans_dropped': 7,
        'hoptrace.export.breaker_opens': 1,
      });
      expect(stamps.slice(1)).toEqual(bodies.slice(1).map((b) => ({ 'hoptrace.export.spans': b.spans })));
      expect(stamps.reduce((n, s) => n + s['hoptrace.export.spans']!, 0)).toBe(100);
    }
  });

  it('counts multi-byte characters as bytes when splitting', () => {
    const spans = Array.from({ length: 40 }, (_, i) => span(`s${i}`, undefined, { text: '日本語'.repeat(100) }));
    for (const body of encodeBatches(spans, {}, 5_000, none).bodies)
      expect(Buffer.byteLength(body.json)).toBeLessThanOrEqual(5_000);
  });

  it('reports a span that alone exceeds the limit as oversized', () => {
    const { bodies, oversized } = encodeBatches(
      [span('big', undefined, { pad: 'x'.repeat(5_000) }), span('small')],
      {},
      2_000,
      none,
    );
    expect(oversized).toBe(1);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.spans).toBe(1);
  });
});

/** What a strict protobuf JSON parser accepts for an AnyValue number (proto3 JSON mapping). */
function strictNumber(value: { intValue?: unknown; doubleValue?: unknown }): void {
  if ('intValue' in value) {
    expect(value.intValue).toMatch(/^-?\d+$/);
    const n = BigInt(value.intValue as string);
    expect(n >= -(2n ** 63n) && n < 2n ** 63n).toBe(true);
  } else if (typeof value.doubleValue === 'string') {
    expect(['NaN', 'Infinity', '-Infinity']).toContain(value.doubleValue);
  } else {
    expect(Number.isFinite(value.doubleValue)).toBe(true);
  }
}

describe('OTLP JSON numbers a strict receiver accepts', () => {
  const values: Record<string, number> = {
    safe: 42,
    negative: -7,
    unsafeInInt64: 2 ** 62,
    int64Min: -(2 ** 63),
    int64Limit: 2 ** 63,
    beyond: 1e21,
    beyondNegative: -1e30,
    fraction: 0.1,
    nan: NaN,
    inf: Infinity,
    negInf: -Infinity,
  };

  it('writes ints within int64 as decimal strings, everything else as a double, NaN and the infinities as strings', () => {
    const s = span('numbers', undefined, { ...values, list: [1, NaN, 1e21] });
    const body = JSON.parse(encodeBatches([s], { 'resource.nan': NaN }, 1_000_000, none).bodies[0]!.json);
    const encoded = body.resourceSpans[0].scopeSpans[0].spans[0];
    const byKey = Object.fromEntries(encoded.attributes.map((a: { key: string; value: unknown }) => [a.key, a.value]));
    expect(byKey).toMatchObject({
      safe: { intValue: '42' },
      negative: { intValue: '-7' },
      unsafeInInt64: { intValue: '4611686018427387904' },
      int64Min: { intValue: '-9223372036854775808' },
      int64Limit: { doubleValue: 2 ** 63 },
      beyond: { doubleValue: 1e21 },
      beyondNegative: { doubleValue: -1e30 },
      fraction: { doubleValue: 0.1 },
      nan: { doubleValue: 'NaN' },
      inf: { doubleValue: 'Infinity' },
      negInf: { doubleValue: '-Infinity' },
    });
    for (const key of Object.keys(values)) strictNumber(byKey[key]);
    for (const item of byKey.list.arrayValue.values) strictNumber(item);
    expect(body.resourceSpans[0].resource.attributes[0].value).toEqual({ doubleValue: 'NaN' });
  });

  it('leaves out a span whose start is not a time, and sends the rest of the flush', () => {
    const broken = span('broken');
    Object.defineProperty(broken, 'startMs', { value: NaN });
    const late = span('late');
    late.endMs = 1e30;
    const { bodies, unencodable } = encodeBatches([broken, late, span('fine')], {}, 1_000_000, none);
    expect(unencodable).toBe(1);
    const spans = JSON.parse(bodies[0]!.json).resourceSpans[0].scopeSpans[0].spans;
    expect(spans.map((x: { name: string }) => x.name)).toEqual(['late', 'fine']);
    for (const x of spans) for (const t of [x.startTimeUnixNano, x.endTimeUnixNano]) expect(t).toMatch(/^\d+$/);
    expect(spans[0].endTimeUnixNano).toBe(spans[0].startTimeUnixNano);
  });
});

describe('OTLP JSON from what JavaScript callers may pass the API', () => {
  it('stays valid JSON: strings escaped, a kind or status code that is no integer written as 0, link ids as strings', () => {
    const s = span(
      'quote " backslash \\ line\u2028 end',
      undefined,
      { 'key "q"': 'v\n"x"', arr: ['a', null as unknown as string] },
      (open) => {
        Object.assign(open, { kind: 'server' });
        open.addLink({
          context: { traceId: undefined as unknown as string, spanId: 'x"y', traceFlags: 1 },
          attributes: { 'l"k': 1 },
        });
        open.addEvent('ev "1"');
        open.setStatus({ code: 'error' as unknown as number, message: 'not "numeric"' });
      },
    );
    const encoded = JSON.parse(encodeBatches([s], {}, 1_000_000, none).bodies[0]!.json).resourceSpans[0].scopeSpans[0]
      .spans[0];
    expect(encoded.name).toBe('quote " backslash \\ line\u2028 end');
    expect(encoded.kind).toBe(0);
    expect(encoded.status).toEqual({ code: 0 });
    expect(encoded.attributes).toEqual([
      { key: 'key "q"', value: { stringValue: 'v\n"x"' } },
      { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, {}] } } },
    ]);
    expect(encoded.links[0]).toMatchObject({
      traceId: 'undefined',
      spanId: 'x"y',
      attributes: [{ key: 'l"k', value: { intValue: '1' } }],
    });
    expect(encoded.events[0].name).toBe('ev "1"');
  });
});

describe('msToNanoString', () => {
  it.each([
    [1_700_000_000_123.456, '1700000000123456000'],
    [1_700_000_000_000, '1700000000000000000'],
    // biome-ignore lint/correctness/noPrecisionLoss: a time finer than a double holds, rounded as JavaScript reads it.
    [1_700_000_000_999.9999999, '1700000001000000000'],
    [0.5, '500000'],
  ])('%d ms is %s ns', (ms, ns) => {
    expect(msToNanoString(ms)).toBe(ns);
  });
});
