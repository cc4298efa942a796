import type { PlainValue } from '../../../src/otlp/values';
import { attributeText } from '../query/evaluate';
import { nearestRank, sortedCopy } from './percentiles';

// Which attributes stand out in a side's slow or failed traces: a simple lift. For each
// `key=value` found on a trace's spans (or their resources), its share among the slow (or
// failed) traces against its share among all the side's traces: lift = share in slow /
// share overall. A trace is slow when its duration is above the p95 (nearest rank) of the
// traces with the same root operation. Only values on at least two slow (failed) traces
// with a lift above 1 are listed, the highest first.

export interface Lift {
  /** `key=value`. */
  attribute: string;
  /** Slow (failed) traces with it, of how many slow (failed) traces. */
  count: number;
  of: number;
  /** All the side's traces with it, of how many. */
  overallCount: number;
  overallOf: number;
  /** (count / of) / (overallCount / overallOf), to 3 decimals. */
  lift: number;
}

export interface LiftTrace {
  /** The root operation: slowness is judged among traces with the same one. */
  group: string;
  durationMs: number;
  failed: boolean;
  facets: ReadonlySet<string>;
}

export const LIFTS_LISTED = 10;

/** An attribute as a lift counts it: `key=value`, the value as the span table's text. */
export const facetOf = (key: string, value: PlainValue): string => `${key}=${attributeText(value)}`;

function lifts(all: readonly LiftTrace[], picked: readonly LiftTrace[]): Lift[] {
  const overall = new Map<string, number>();
  for (const t of all) for (const f of t.facets) overall.set(f, (overall.get(f) ?? 0) + 1);
  const inPicked = new Map<string, number>();
  for (const t of picked) for (const f of t.facets) inPicked.set(f, (inPicked.get(f) ?? 0) + 1);
  const out: Lift[] = [];
  for (const [attribute, count] of inPicked) {
    const overallCount = overall.get(attribute)!;
    const lift = Math.round((count / picked.length / (overallCount / all.length)) * 1000) / 1000;
    if (count >= 2 && lift > 1)
      out.push({ attribute, count, of: picked.length, overallCount, overallOf: all.length, lift });
  }
  return out
    .sort((a, b) => b.lift - a.lift || b.count - a.count || a.attribute.localeCompare(b.attribute))
    .slice(0, LIFTS_LISTED);
}

/** The attributes over-represented in the slow and in the failed traces among `traces`. */
export function overRepresented(traces: readonly LiftTrace[]): { slow: Lift[]; failed: Lift[] } {
  const byGroup = new Map<string, number[]>();
  for (const t of traces) byGroup.set(t.group, [...(byGroup.get(t.group) ?? []), t.durationMs]);
  const p95 = new Map([...byGroup].map(([group, durations]) => [group, nearestRank(sortedCopy(durations), 95)]));
  return {
    slow: lifts(
      traces,
      traces.filter((t) => t.durationMs > p95.get(t.group)!),
    ),
    failed: lifts(
      traces,
      traces.filter((t) => t.failed),
    ),
  };
}
