import type { TraceSummary } from '../model';
import { nearestRank, sortedCopy } from './percentiles';

// Which listed traces an HTML report holds in full (every span with its attributes, events
// and links): those a reader opens to find out what went wrong or what was slow, and a sample
// of the ordinary ones to compare them with. The rest are held as their summary row, which
// keeps a report of 5,000 traces small enough to mail (a trace in full costs about 0.7 kB a span).

/** One listed trace in this many, counted from the newest, is held in full as a sample. */
export const SAMPLE_EVERY = 10;
/** A trace past this percentile of the listed traces' response time or extent is slow (at it is not: when all take the same time, none is). */
export const SLOW_PERCENTILE = 95;

/** A trace's response time: its root's duration, else (no root) its extent. */
export const responseMs = (t: TraceSummary): number => t.rootDurationMs ?? t.durationMs;

/** The ids of the listed traces (newest first) to hold in full: failed, rootless, slow, sampled, and the examples. */
export function tracesInFull(listed: readonly TraceSummary[], examples: ReadonlySet<string>): Set<string> {
  const slowResponse = nearestRank(sortedCopy(listed.map(responseMs)), SLOW_PERCENTILE);
  const slowExtent = nearestRank(sortedCopy(listed.map((t) => t.durationMs)), SLOW_PERCENTILE);
  const kept = listed.filter(
    (t, i) =>
      t.errorCount > 0 ||
      t.rootMissing ||
      responseMs(t) > slowResponse ||
      t.durationMs > slowExtent ||
      i % SAMPLE_EVERY === 0 ||
      examples.has(t.traceId),
  );
  return new Set(kept.map((t) => t.traceId));
}
