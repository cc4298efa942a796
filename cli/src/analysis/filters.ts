import type { TraceSummary } from '../model';
import { Flag } from '../read/spans';
import type { TraceView } from './trace-view';

/** What selects traces, for every command: a trace must pass each filter given. */
export interface Filters {
  service?: string;
  /** A span whose name contains this. */
  name?: string;
  minDurationMs?: number;
  errors?: boolean;
  cold?: boolean;
  /** Some span (or its resource) has this attribute; the store flags it while reading. */
  attr?: { key: string; value: string };
}

export function matches(filters: Filters, summary: TraceSummary, view: TraceView): boolean {
  if (filters.service !== undefined && !summary.services.includes(filters.service)) return false;
  if (filters.minDurationMs !== undefined && summary.durationMs < filters.minDurationMs) return false;
  if (filters.errors && summary.errorCount === 0) return false;
  if (filters.cold && summary.coldStarts === 0) return false;
  const name = filters.name;
  if (name !== undefined && ![...view.byId.values()].some((s) => s.name.includes(name))) return false;
  if (filters.attr && ![...view.byId.values()].some((s) => s.flags & Flag.AttrMatch)) return false;
  return true;
}
