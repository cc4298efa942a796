import { describe, expect, it } from 'vitest';
import { DEFAULT_REDACT_KEYS, REDACTED, Redactor } from '../../../../src/redaction';
import { decodeExportRequest } from '../../../../handlers/ingest/decode';
import { HttpError } from '../../../../handlers/ingest/http-error';
import { exportRequest, otlpSpan } from '../../../helpers/otlp-payload';

const rules = { maxCount: 5, maxValueLength: 10, redactor: new Redactor(DEFAULT_REDACT_KEYS) };
const decode = (body: unknown) =>
  decodeExportRequest({ format: 'json', text: typeof body === 'string' ? body : JSON.stringify(body) }, rules);
const spanCount = (result: ReturnType<typeof decode>) =>
  result.groups.reduce((n, g) => n + g.scopes.reduce((m, s) => m + s.spans.length, 0), 0);
const str = (v: string) => ({ stringValue: v });

describe('decodeExportRequest', () => {
  it.each([
    ['malformed JSON', '{"resourceSpans": ['],
    ['an array', '[]'],
    ['a string', '"hi"'],
    ['resourceSpans not an array', '{"resourceSpans": {}}'],
    ['scopeSpans missing', '{"resourceSpans": [{}]}'],
    ['spans not an array', '{"resourceSpans": [{"scopeSpans": [{"spans": 1}]}]}'],
  ])('refuses %s with 400 and a message', (_label, body) => {
    expect(() => decode(body)).toThrow(HttpError);
    try {
      decode(body);
    } catch (error) {
      expect((error as HttpError).status).toBe(400);
      expect((error as HttpError).message.length).toBeGreaterThan(10);
    }
  });

  it('accepts an empty request', () => {
    expect(spanCount(decode({}))).toBe(0);
    expect(decode({ resourceSpans: [] }).groups).toEqual([]);
  });

  it('rejects bad spans alone and says why, keeping the good ones', () => {
    const good = otlpSpan({ traceId: 'A'.repeat(32) });
    const result = decode(
      exportRequest([
        good,
        otlpSpan({ traceId: 'abc' }),
        otlpSpan({ spanId: '0'.repeat(16) }),
        otlpSpan({ parentSpanId: 'xyz' }),
        otlpSpan({ startTimeUnixNano: '200', endTimeUnixNano: '100' }),
        otlpSpan({ startTimeUnixNano: 'yesterday' }),
        otlpSpan({ name: 42 }),
        otlpSpan({ kind: 9 }),
        'not a span' as never,
      ]),
    );
    expect(spanCount(result)).toBe(1);
    expect(result.rejected).toBe(8);
    expect(result.reasons[0]).toMatch(/spans\[1\]: traceId must be 32 hex digits/);
    expect(result.reasons.join(' ')).toContain('endTimeUnixNano is before startTimeUnixNano');
    expect(result.groups[0]!.scopes[0]!.spans[0]!.traceId).toBe('a'.repeat(32));
  });

  it('checks ids and times digit by digit as OTLP defines them: hex of the exact length, not all zero; decimal of 1 to 20 digits', () => {
    const outcome = (fields: Record<string, unknown>) => {
      const result = decode(exportRequest([otlpSpan(fields)]));
      const span = result.groups[0]?.scopes[0]?.spans[0];
      return span ?? result.reasons[0]!.replace(/^.*: /, '');
    };
    const hex32 = '0123456789abcdef'.repeat(2);
    expect(outcome({ traceId: hex32.toUpperCase() })).toMatchObject({ traceId: hex32 });
    expect(outcome({ traceId: `${'0'.repeat(31)}F` })).toMatchObject({ traceId: `${'0'.repeat(31)}f` });
    for (const bad of [`${hex32.slice(0, 31)}g`, `${hex32}0`, hex32.slice(1), '0'.repeat(32), ` ${hex32.slice(1)}`, 42])
      expect(outcome({ traceId: bad })).toBe('traceId must be 32 hex digits, not all zero');
    expect(outcome({ spanId: `${'0'.repeat(15)}/` })).toBe('spanId must be 16 hex digits, not all zero');
    expect(outcome({ parentSpanId: 'G'.repeat(16) })).toBe('parentSpanId must be 16 hex digits, not all zero');
    expect(outcome({ startTimeUnixNano: '000', endTimeUnixNano: '0' })).toMatchObject({
      startTimeUnixNano: '0',
      endTimeUnixNano: '0',
    });
    expect(outcome({ startTimeUnixNano: '0099', endTimeUnixNano: '100' })).toMatchObject({
      startTimeUnixNano: '99',
      endTimeUnixNano: '100',
    });
    expect(outcome({ startTimeUnixNano: '100', endTimeUnixNano: '0099' })).toBe(
      'endTimeUnixNano is before startTimeUnixNano',
    );
    expect(outcome({ startTimeUnixNano: '18446744073709551615', endTimeUnixNano: '18446744073709551614' })).toBe(
      'endTimeUnixNano is before startTimeUnixNano',
    );
    for (const bad of ['1'.repeat(21), '', '+1', '1 ', '1e3', '١٢'])
      expect(outcome({ startTimeUnixNano: bad })).toBe(
        'startTimeUnixNano must be a non-negative integer of nanoseconds',
      );
  });

  it('accepts enum names, numeric times and drops bad links alone', () => {
    const span = decode(
      exportRequest([
        otlpSpan({
          kind: 'SPAN_KIND_CLIENT',
          status: { code: 'STATUS_CODE_ERROR', message: 'bad' },
          startTimeUnixNano: 1700000000000000,
          endTimeUnixNano: 1700000000000001,
          links: [
            { traceId: 'b'.repeat(32), spanId: 'c'.repeat(16) },
            { traceId: 'nope', spanId: 'c'.repeat(16) },
          ],
        }),
      ]),
    ).groups[0]!.scopes[0]!.spans[0]!;
    expect(span.kind).toBe(3);
    expect(span.status).toEqual({ code: 2, message: 'bad' });
    expect(span.startTimeUnixNano).toBe('1700000000000000');
    expect(span.links).toHaveLength(1);
    expect(span.droppedLinksCount).toBe(1);
  });

  it('caps attribute counts and value lengths, counting what was cut', () => {
    const attributes = Array.from({ length: 8 }, (_, i) => ({ key: `k${i}`, value: str('0123456789abcdef') }));
    const result = decode(exportRequest([otlpSpan({ attributes, droppedAttributesCount: 2 })]));
    const span = result.groups[0]!.scopes[0]!.spans[0]!;
    expect(span.attributes).toHaveLength(5);
    expect(span.attributes[0]!.value).toEqual(str('0123456789'));
    expect(span.droppedAttributesCount).toBe(5);
    expect(result.stats.truncatedValues).toBe(5);
  });

  it('drops invalid attribute values and values nested too deep', () => {
    let deep: Record<string, unknown> = str('bottom');
    for (let i = 0; i < 20; i++) deep = { arrayValue: { values: [deep] } };
    const attributes = [
      { key: 'ok', value: { intValue: '42' } },
      { key: 'num', value: { intValue: 7 } },
      { key: 'bad-int', value: { intValue: '4x2' } },
      { key: 'big-num', value: { intValue: 2 ** 60 } },
      { key: 'too-big-num', value: { intValue: 2 ** 64 } },
      { key: '', value: str('no key') },
      { key: 'deep', value: deep },
    ];
    const span = decode(exportRequest([otlpSpan({ attributes })])).groups[0]!.scopes[0]!.spans[0]!;
    // A value nested too deep goes whole, as the library drops it: never a part of it.
    expect(span.attributes.map((a) => a.key)).toEqual(['ok', 'num', 'big-num']);
    expect(span.droppedAttributesCount).toBe(4);
    expect(span.attributes[1]!.value).toEqual({ intValue: '7' });
    // As OpenTelemetry JS sends a 64-bit integer in JSON: a number, not a string.
    expect(span.attributes[2]!.value).toEqual({ intValue: '1152921504606846976' });
  });

  it('keeps AnyValue attributes whole: nested lists are not capped by the attribute count, each string and byte array inside is cut', () => {
    const bytes = Buffer.from('0123456789abcdef');
    const list = (values: unknown[]): unknown => ({ arrayValue: { values } });
    const kvlist = (values: Array<[string, unknown]>): unknown => ({
      kvlistValue: { values: values.map(([key, value]) => ({ key, value })) },
    });
    const attributes = [
      { key: 'many', value: list(Array.from({ length: 20 }, (_, i) => ({ intValue: String(i) }))) },
      {
        key: 'map',
        value: kvlist([
          ['long', str('0123456789abcdef')],
          ['bytes', { bytesValue: bytes.toString('base64') }],
          ['unset', undefined],
          ['holes', list([{}, str('x')])],
        ]),
      },
      { key: 'omitted', value: { arrayValue: {} } },
      { key: 'bad-inside', value: list([str('x'), { intValue: 'nope' }]) },
      { key: 'bad-key', value: { kvlistValue: { values: [{ key: 7, value: str('x') }] } } },
      // OTLP JSON's empty value at the top: the value left out, kept as inside a list and as protobuf keeps it.
      { key: 'unset' },
    ];
    const result = decode(exportRequest([otlpSpan({ attributes })]));
    const span = result.groups[0]!.scopes[0]!.spans[0]!;
    expect(span.attributes.map((a) => a.key)).toEqual(['many', 'map', 'omitted', 'unset']);
    expect(span.attributes[3]!.value).toEqual({});
    expect(span.droppedAttributesCount).toBe(2);
    expect(span.attributes[0]!.value.arrayValue!.values).toHaveLength(20);
    expect(span.attributes[1]!.value).toEqual(
      kvlist([
        ['long', str('0123456789')],
        ['bytes', { bytesValue: bytes.subarray(0, 10).toString('base64') }],
        ['unset', {}],
        ['holes', list([{}, str('x')])],
      ]),
    );
    expect(span.attributes[2]!.value).toEqual({ arrayValue: { values: [] } });
    expect(result.stats.truncatedValues).toBe(2);
  });

  it('redacts inside AnyValue: sensitive keys of lists at any depth, secrets in strings of arrays', () => {
    const body = exportRequest([
      otlpSpan({
        attributes: [
          {
            key: 'request',
            value: {
              arrayValue: {
                values: [
                  {
                    kvlistValue: {
                      values: [
                        {
                          key: 'headers',
                          value: { kvlistValue: { values: [{ key: 'Authorization', value: str('hunter2') }] } },
                        },
                      ],
                    },
                  },
                  str('https://u:hunter2@host/'),
                ],
              },
            },
          },
        ],
      }),
    ]);
    const result = decodeExportRequest(
      { format: 'json', text: JSON.stringify(body) },
      { ...rules, maxValueLength: 100 },
    );
    const text = JSON.stringify(result.groups);
    expect(text).not.toContain('hunter2');
    expect(text).toContain('host/');
    expect(result.stats.redactedValues).toBe(1);
  });

  it('redacts sensitive keys everywhere before anything is stored', () => {
    const secret = str('hunter2');
    const body = exportRequest([
      otlpSpan({
        attributes: [
          { key: 'db.password', value: secret },
          { key: 'http.request.header.authorization', value: secret },
          { key: 'x-api-key', value: secret },
          { key: 'apiKey', value: secret },
          { key: 'aws_access_key_id', value: secret },
          { key: 'nested', value: { kvlistValue: { values: [{ key: 'access_token', value: secret }] } } },
          { key: 'http.route', value: str('/login') },
        ],
        events: [{ name: 'e', timeUnixNano: '1', attributes: [{ key: 'cookie', value: secret }] }],
      }),
    ]);
    const result = decodeExportRequest({ format: 'json', text: JSON.stringify(body) }, { ...rules, maxCount: 128 });
    const text = JSON.stringify(result.groups);
    expect(text).not.toContain('hunter2');
    expect(text.split(REDACTED).length - 1).toBe(7);
    expect(result.stats.redactedValues).toBe(7);
    expect(text).toContain('/login');
  });

  it('keeps prototype-polluting keys as plain data', () => {
    const body = `{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"s"},"spans":[${JSON.stringify(
      otlpSpan({
        attributes: [
          { key: '__proto__', value: str('x') },
          { key: 'constructor', value: str('y') },
        ],
      }),
    )}],"__proto__":{"polluted":true}}]}]}`;
    const result = decode(body);
    expect(spanCount(result)).toBe(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(result.groups[0]!.scopes[0]!.spans[0]!.attributes.map((a) => a.key)).toEqual(['__proto__', 'constructor']);
  });

  it('scrubs secrets from span names, event names and status messages, as the library does', () => {
    const wide = { ...rules, maxValueLength: 8192 };
    const [span] = decodeExportRequest(
      {
        format: 'json',
        text: JSON.stringify(
          exportRequest([
            otlpSpan({
              name: 'GET /hooks?token=s3cr3t-value',
              events: [{ timeUnixNano: '1700000000050000000', name: 'retry with password=hunter2' }],
              status: { code: 2, message: 'auth failed for Bearer abc.def.ghi' },
            }),
          ]),
        ),
      },
      wide,
    ).groups[0]!.scopes[0]!.spans;
    expect(span!.name).toBe(wide.redactor.scrub('GET /hooks?token=s3cr3t-value'));
    expect(span!.name).not.toContain('s3cr3t');
    expect(span!.events[0]!.name).not.toContain('hunter2');
    expect(span!.status.message).not.toContain('abc.def.ghi');
  });
});
