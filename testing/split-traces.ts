import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export type Outcome = 'error' | 'slow' | 'cold' | 'routine';

/** A trace cut into stream records (one per service that flushed it), in arrival order. */
export interface SplitTrace {
  traceId: string;
  outcome: Outcome;
  spanIds: string[];
  /** Gzipped OTLP JSON, one record each, shuffled: the interesting part may come first or last. */
  parts: Buffer[];
}

const OUTCOMES: Outcome[] = ['error', 'slow', 'cold', 'routine'];
const SERVICES = ['orders-api', 'fulfilment', 'notifier'];
const T0 = 1_700_000_000_000_000_000n;

const id = (seed: string, hexChars: number): string =>
  createHash('sha256').update(seed).digest('hex').slice(0, hexChars);

/** A deterministic pseudo-random sequence (mulberry32), so every run deals the same workload. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * `count` traces of three parts (an API, a queue consumer, a notifier), two spans each; the
 * outcomes cycle error, slow, cold, routine, and the part that makes a trace interesting is
 * one of the three, so it reaches the stream before, between or after the routine ones.
 */
export function splitTraces(count: number, seed = 1): SplitTrace[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const traceId = id(`trace-${seed}-${i}`, 32);
    const outcome = OUTCOMES[i % OUTCOMES.length]!;
    const special = i % SERVICES.length;
    const spanIds: string[] = [];
    let parent: string | undefined;
    const parts = SERVICES.map((service, p) => {
      const entry = id(`${traceId}-${p}-entry`, 16);
      const child = id(`${traceId}-${p}-child`, 16);
      spanIds.push(entry, child);
      const start = T0 + BigInt(p) * 50_000_000n;
      const durationNs = outcome === 'slow' && p === special ? 2_500_000_000n : 20_000_000n;
      const span = (
        spanId: string,
        parentSpanId: string | undefined,
        name: string,
        kind: number,
        ns: bigint,
        extra: object = {},
      ): object => ({
        traceId,
        spanId,
        ...(parentSpanId ? { parentSpanId } : {}),
        name,
        kind,
        startTimeUnixNano: String(start),
        endTimeUnixNano: String(start + ns),
        attributes: [{ key: 'faas.coldstart', value: { boolValue: outcome === 'cold' && p === special } }],
        status: { code: outcome === 'error' && p === special ? 2 : 0 },
        ...extra,
      });
      const spans = [
        span(entry, parent, `${service} handle`, p === 0 ? 2 : 5, durationNs),
        span(child, entry, `${service} work`, 1, durationNs / 2n),
      ];
      parent = entry;
      const request = {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
            scopeSpans: [{ scope: { name: 'hoptrace' }, spans }],
          },
        ],
      };
      return gzipSync(JSON.stringify(request));
    });
    return { traceId, outcome, spanIds, parts: shuffle(parts, random) };
  });
}
