import { traceMatches, type CompiledQuery } from '../query/evaluate';
import type { TraceView } from './trace-view';

/** `--since` / `--until` as microseconds since the epoch: a trace is in when its first span starts in [from, to). */
export interface TimeWindow {
  fromUs?: number;
  toUs?: number;
}

/** What selects traces, for every command: the query (the old flags are shorthands for one) and the window. */
export interface Filters {
  query?: CompiledQuery;
  window?: TimeWindow;
}

export const hasFilters = (filters: Filters): boolean => filters.query !== undefined || filters.window !== undefined;

export function inWindow(window: TimeWindow | undefined, startUs: number): boolean {
  if (!window) return true;
  return (
    (window.fromUs === undefined || startUs >= window.fromUs) && (window.toUs === undefined || startUs < window.toUs)
  );
}

/** The trace passes: it starts in the window, and its spans' spanset bits (set while reading) satisfy the query. */
export function matches(filters: Filters, view: TraceView): boolean {
  if (!inWindow(filters.window, view.startUs)) return false;
  if (!filters.query) return true;
  let bits = 0;
  for (const span of view.byId.values()) bits |= span.spansets;
  return traceMatches(filters.query.query, bits);
}
