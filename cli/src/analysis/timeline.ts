import type { Stats } from '../model';
import { nearestRank } from './percentiles';

// The time dimension of `stats`: per operation and time bucket, requests, errors and p95.
// Buckets are aligned to the epoch; without `--bucket` the step is the smallest of these
// that cuts the spans' start range into at most 60 buckets. The archive's SQL chooses alike.

export const STEPS_MS: readonly number[] = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10_800, 21_600, 43_200, 86_400].map(
  (s) => s * 1000,
);
export const MAX_BUCKETS = 60;

/** The step for spans starting over `rangeUs` microseconds. */
export function stepFor(rangeUs: number): number {
  return STEPS_MS.find((step) => rangeUs <= MAX_BUCKETS * step * 1000) ?? STEPS_MS[STEPS_MS.length - 1]!;
}

/** A bucket's start (epoch microseconds) for a span starting at `startUs`. */
export const bucketStart = (startUs: number, stepMs: number): number =>
  Math.floor(startUs / (stepMs * 1000)) * stepMs * 1000;

/**
 * An operation's spans, column by column (an object per span would cost a million of them
 * for a million spans): the i-th span started at `startsUs[i]`, lasted `durations[i]` ms and
 * failed when `failedFlags[i]`.
 */
export interface TimedSpans {
  service: string;
  name: string;
  startsUs: readonly number[];
  durations: readonly number[];
  failedFlags: readonly boolean[];
}

/** The timeline of operations' spans, ordered by bucket start, service, name. */
export function timelineOf(operations: readonly TimedSpans[], stepMs: number | undefined): Stats['timeline'] {
  let min = Infinity;
  let max = -Infinity;
  for (const op of operations)
    for (const start of op.startsUs) (min = Math.min(min, start)), (max = Math.max(max, start));
  if (min === Infinity) return [];
  const step = stepMs ?? stepFor(max - min);
  const out: Stats['timeline'] = [];
  for (const { service, name, startsUs, durations, failedFlags } of operations) {
    // Each bucket's durations laid out side by side in one array (a counting sort by bucket),
    // each sorted in place: no array per bucket grown span by span, then copied to sort.
    const buckets = new Map<number, { count: number; errors: number; at: number }>();
    const bucketOfSpan: Array<{ count: number; errors: number; at: number }> = new Array(startsUs.length);
    for (let i = 0; i < startsUs.length; i++) {
      const start = bucketStart(startsUs[i]!, step);
      let b = buckets.get(start);
      if (!b) buckets.set(start, (b = { count: 0, errors: 0, at: 0 }));
      b.count++;
      if (failedFlags[i]) b.errors++;
      bucketOfSpan[i] = b;
    }
    let at = 0;
    for (const b of buckets.values()) (b.at = at), (at += b.count);
    const laid = new Float64Array(startsUs.length);
    for (let i = 0; i < startsUs.length; i++) laid[bucketOfSpan[i]!.at++] = durations[i]!;
    // Each `at` now marks its bucket's end.
    for (const [start, b] of buckets)
      out.push({
        start: new Date(start / 1000).toISOString(),
        service,
        name,
        count: b.count,
        errors: b.errors,
        p95Ms: nearestRank(laid.subarray(b.at - b.count, b.at).sort(), 95),
      });
  }
  return out.sort(byBucket);
}

export const byBucket = (a: Stats['timeline'][number], b: Stats['timeline'][number]): number =>
  a.start.localeCompare(b.start) || a.service.localeCompare(b.service) || a.name.localeCompare(b.name);
