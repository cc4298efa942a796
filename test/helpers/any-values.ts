// API 1.10's AnyValue attributes of each kind, and the OTLP JSON every sender writes for them:
// the library's own tests, the API-versions sandbox and the pipeline end to end expect the same.

export const otlpString = (stringValue: string): unknown => ({ stringValue });
export const otlpInt = (n: number): unknown => ({ intValue: String(n) });

/** A map, bytes, a heterogeneous array and an empty value. */
export const ANY_VALUES = {
  map: { a: 1, b: ['x', 2, true] },
  bytes: new Uint8Array([0, 1, 2, 255]),
  mixed: [1, 'two', { three: 3 }],
  empty: null,
};

/** ANY_VALUES as OTLP JSON key-values, in their order. */
export const ANY_VALUES_OTLP = [
  {
    key: 'map',
    value: {
      kvlistValue: {
        values: [
          { key: 'a', value: otlpInt(1) },
          { key: 'b', value: { arrayValue: { values: [otlpString('x'), otlpInt(2), { boolValue: true }] } } },
        ],
      },
    },
  },
  { key: 'bytes', value: { bytesValue: 'AAEC/w==' } },
  {
    key: 'mixed',
    value: {
      arrayValue: {
        values: [otlpInt(1), otlpString('two'), { kvlistValue: { values: [{ key: 'three', value: otlpInt(3) }] } }],
      },
    },
  },
  { key: 'empty', value: {} },
];

/** A map that nests a secret, as OTLP JSON once redacted (by the library or the ingest). */
export const REDACTED_REQUEST_OTLP = {
  key: 'request',
  value: {
    kvlistValue: {
      values: [
        {
          key: 'headers',
          value: { kvlistValue: { values: [{ key: 'authorization', value: otlpString('[REDACTED]') }] } },
        },
      ],
    },
  },
};
