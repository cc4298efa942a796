import type { TraceSummary } from '../model';
import { Flag, type CompactSpan } from '../read/spans';

/** One trace's spans arranged as a forest: children by parent, sorted by start time. */
export interface TraceView {
  traceId: string;
  byId: ReadonlyMap<string, CompactSpan>;
  children: ReadonlyMap<string, CompactSpan[]>;
  /** Spans without a parent. */
  roots: CompactSpan[];
  /** Spans whose parent was never received. */
  orphans: CompactSpan[];
  startUs: number;
  endUs: number;
}

const byStart = (a: CompactSpan, b: CompactSpan): number => a.startUs - b.startUs || b.endUs - a.endUs;

export function traceView(traceId: string, byId: ReadonlyMap<string, CompactSpan>): TraceView {
  const children = new Map<string, CompactSpan[]>();
  const roots: CompactSpan[] = [];
  const orphans: CompactSpan[] = [];
  let startUs = Infinity;
  let endUs = -Infinity;
  for (const span of byId.values()) {
    if (span.startUs < startUs) startUs = span.startUs;
    if (span.endUs > endUs) endUs = span.endUs;
    if (span.parentSpanId === undefined) roots.push(span);
    else if (!byId.has(span.parentSpanId)) orphans.push(span);
    else {
      let list = children.get(span.parentSpanId);
      if (!list) children.set(span.parentSpanId, (list = []));
      list.push(span);
    }
  }
  for (const list of children.values()) list.sort(byStart);
  roots.sort(byStart);
  orphans.sort(byStart);
  return { traceId, byId, children, roots, orphans, startUs, endUs };
}

/** The trace's row in `traces`: its root is the earliest span without a parent (else the earliest orphan). */
export function summarize(view: TraceView): TraceSummary {
  const services = new Set<string>();
  let errorCount = 0;
  let coldStarts = 0;
  for (const span of view.byId.values()) {
    services.add(span.service);
    if (span.flags & Flag.Error) errorCount++;
    if (span.flags & Flag.Cold) coldStarts++;
  }
  const root = view.roots[0] ?? view.orphans[0];
  return {
    traceId: view.traceId,
    rootName: root?.name ?? '',
    services: [...services].sort(),
    spanCount: view.byId.size,
    durationMs: (view.endUs - view.startUs) / 1000,
    errorCount,
    coldStarts,
    startTime: new Date(view.startUs / 1000).toISOString(),
  };
}
