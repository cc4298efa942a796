import type { TraceDetail, TraceSpan } from '../model';

// What `trace <id>` narrows a big trace to: the critical path (`--critical`), the failed
// spans (`--errors`), each with its ancestors so that the tree still reads from its root;
// and the top `--depth N` levels, each span at the last level saying how many spans it
// hides. They combine, each narrowing what the one before kept.

export interface Focus {
  critical?: boolean;
  errors?: boolean;
  /** Levels shown: 1 is the roots (and orphans) only. */
  depth?: number;
}

/** A trace as `trace <id>` prints it: `hiddenSpans` counts what the focus left out. */
export interface FocusedTrace extends TraceDetail {
  hiddenSpans: number;
}

/** Depth of each span in the tree (a root's or an orphan's 0), from spans in tree order. */
export function spanDepths(spans: readonly TraceSpan[]): Map<string, number> {
  const depth = new Map<string, number>();
  for (const span of spans)
    depth.set(
      span.spanId,
      span.parentSpanId !== undefined && depth.has(span.parentSpanId) ? depth.get(span.parentSpanId)! + 1 : 0,
    );
  return depth;
}

/** The spans that satisfy `keep`, and their ancestors, in the order given. */
function withAncestors(spans: readonly TraceSpan[], keep: (span: TraceSpan) => boolean): TraceSpan[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const kept = new Set<string>();
  for (const span of spans) {
    if (!keep(span)) continue;
    for (
      let at: TraceSpan | undefined = span;
      at && !kept.has(at.spanId);
      at = at.parentSpanId === undefined ? undefined : byId.get(at.parentSpanId)
    )
      kept.add(at.spanId);
  }
  return spans.filter((s) => kept.has(s.spanId));
}

/** The top `levels` levels; a span on the last one shown gets `hiddenBelow`, the count of its descendants left out. */
function toDepth(spans: readonly TraceSpan[], levels: number): TraceSpan[] {
  const depth = spanDepths(spans);
  // The shown span each hidden one is under: its ancestor on the last level shown (a hidden span's parent is read before it, in tree order).
  const anchor = new Map<string, string>();
  const hidden = new Map<string, number>();
  for (const span of spans) {
    if (depth.get(span.spanId)! < levels) continue;
    const parent = span.parentSpanId!;
    const top = anchor.get(parent) ?? parent;
    anchor.set(span.spanId, top);
    hidden.set(top, (hidden.get(top) ?? 0) + 1);
  }
  return spans
    .filter((s) => depth.get(s.spanId)! < levels)
    .map((s) => (hidden.has(s.spanId) ? { ...s, hiddenBelow: hidden.get(s.spanId)! } : s));
}

export function focusOn(detail: TraceDetail, focus: Focus): FocusedTrace {
  let spans: TraceSpan[] = detail.spans;
  if (focus.critical) spans = withAncestors(spans, (s) => s.critical);
  if (focus.errors) spans = withAncestors(spans, (s) => s.status === 'error');
  if (focus.depth !== undefined) spans = toDepth(spans, focus.depth);
  const shown = new Set(spans.map((s) => s.spanId));
  return {
    ...detail,
    spans,
    orphans: detail.orphans.filter((id) => shown.has(id)),
    hiddenSpans: detail.spans.length - spans.length,
  };
}
