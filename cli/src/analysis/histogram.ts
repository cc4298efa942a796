// Each operation's durations in log-scaled buckets (1-2-5 per decade, from 1 µs up to 5·10^7 ms,
// then one bucket for the rest): `leMs` is the bucket's upper bound, null for the last. The same
// ladder renders the archive's SQL (cli/src/archive/archive-sql.ts), so both count alike.

export const BUCKET_BOUNDS_MS: readonly number[] = Array.from({ length: 10 + 1 }, (_, decade) => decade - 3).flatMap(
  (exponent) => [1, 2, 5].map((step) => Number(`${step}e${exponent}`)),
);

/** The index of the bucket a duration falls in: the first bound at or above it, else the last bucket. */
export function bucketOf(durationMs: number): number {
  const i = BUCKET_BOUNDS_MS.findIndex((bound) => durationMs <= bound);
  return i === -1 ? BUCKET_BOUNDS_MS.length : i;
}

export type Histogram = Array<{ leMs: number | null; count: number }>;

/** The non-empty buckets of durations sorted ascending, walking the bounds alongside (no search per duration). */
export function histogramOfSorted(sorted: ArrayLike<number>): Histogram {
  const out: Histogram = [];
  let bucket = 0;
  for (let i = 0; i < sorted.length; i++) {
    const d = sorted[i]!;
    while (bucket < BUCKET_BOUNDS_MS.length && !(d <= BUCKET_BOUNDS_MS[bucket]!)) bucket++;
    const leMs = BUCKET_BOUNDS_MS[bucket] ?? null;
    const last = out[out.length - 1];
    if (last !== undefined && last.leMs === leMs) last.count++;
    else out.push({ leMs, count: 1 });
  }
  return out;
}

/** The non-empty buckets, in order, from counts by bucket index. */
export function histogramOf(counts: ReadonlyMap<number, number>): Histogram {
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([i, count]) => ({ leMs: BUCKET_BOUNDS_MS[i] ?? null, count }));
}
