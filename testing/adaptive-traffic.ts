import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export type TraceKind = 'routine' | 'error' | 'slow';

/** One trace of one record: a root span of `orders-api`'s `GET /orders`. */
export interface TrafficTrace {
  traceId: string;
  kind: TraceKind;
  data: Buffer;
}

export const SERVICE = 'orders-api';
export const OPERATION = 'GET /orders';
const T0 = 1_700_000_000_000_000_000n;

/**
 * One interval's traffic: `count` traces, `errors` of them failed and `slow` of them slower
 * than the others by far (200 ms against 24 ms, all others in one p99 bucket), spread evenly.
 * Ids are derived from `seed`, `interval` and the index, so every run deals the same traces.
 */
export function intervalTraffic(
  seed: string,
  interval: number,
  count: number,
  errors: number,
  slow = 0,
): TrafficTrace[] {
  const spread = (n: number, offset: number): Set<number> =>
    new Set(Array.from({ length: n }, (_, k) => Math.floor((k * count) / n) + offset));
  const errorAt = spread(errors, 0);
  const slowAt = spread(slow, 1);
  return Array.from({ length: count }, (_, i) => {
    const traceId = createHash('sha256').update(`${seed}-${interval}-${i}`).digest('hex').slice(0, 32);
    const kind: TraceKind = errorAt.has(i) ? 'error' : slowAt.has(i) ? 'slow' : 'routine';
    const start = T0 + BigInt(interval) * 10_000_000_000n + BigInt(i) * 1_000_000n;
    const span = {
      traceId,
      spanId: traceId.slice(0, 16),
      name: OPERATION,
      kind: 2,
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(start + (kind === 'slow' ? 200_000_000n : 24_000_000n)),
      attributes: [],
      status: { code: kind === 'error' ? 2 : 0 },
    };
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: SERVICE } }] },
          scopeSpans: [{ scope: { name: 'traffic' }, spans: [span] }],
        },
      ],
    };
    return { traceId, kind, data: gzipSync(JSON.stringify(request)) };
  });
}
