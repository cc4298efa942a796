import type { TraceSummary } from '../model';
import { durationMs, Flag, type CompactSpan } from '../read/spans';

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

/**
 * The span a trace is named and timed by: the earliest without a parent, passing over the
 * sandbox's `init` span (it precedes a cold start's invocation, whose trace it is); else the
 * earliest orphan.
 */
export function rootOf(view: TraceView): CompactSpan | undefined {
  return view.roots.find((span) => !(span.flags & Flag.Init)) ?? view.roots[0] ?? view.orphans[0];
}

/** The trace's row in `traces`. */
export function summarize(view: TraceView): TraceSummary {
  const services = new Set<string>();
  let errorCount = 0;
  let coldStarts = 0;
  for (const span of view.byId.values()) {
    services.add(span.service);
    if (span.flags & Flag.Error) errorCount++;
    if (span.flags & Flag.Cold) coldStarts++;
  }
  const root = rootOf(view);
  let failed: CompactSpan | undefined;
  for (const span of view.byId.values()) {
    if (
      span.flags & Flag.Error &&
      (!failed || span.startUs < failed.startUs || (span.startUs === failed.startUs && span.spanId < failed.spanId))
    )
      failed = span;
  }
  return {
    traceId: view.traceId,
    rootName: root?.name ?? '',
    services: [...services].sort(),
    spanCount: view.byId.size,
    durationMs: (view.endUs - view.startUs) / 1000,
    errorCount,
    coldStarts,
    startTime: new Date(view.startUs / 1000).toISOString(),
    rootDurationMs: root && view.roots.length > 0 ? durationMs(root) : null,
    rootMissing: view.roots.length === 0,
    error: failed
      ? {
          service: failed.service,
          name: failed.name,
          ...(failed.failure ?? { message: null, type: null, httpStatus: null }),
        }
      : null,
  };
}
