// Rows for the flame graph on the trace's time axis: a span goes below its parent, and
// siblings that run at the same time (parallel calls, fan-out) each get a row of their
// own instead of being drawn over one another.
import type { SpanNode, TraceTree } from './trace-tree';

export interface FlameLayout {
  row: Map<SpanNode, number>;
  rows: number;
}

// Zero-length spans still take a sliver, so two of them at the same instant do not share a row.
const sliver = 1e-6;

export function layoutFlame(tree: TraceTree): FlameLayout {
  // Per row, the spans placed in it as [start, end) intervals sorted by start (disjoint, so
  // also sorted by end).
  const taken: Array<Array<[number, number]>> = [];
  const row = new Map<SpanNode, number>();
  const stack = [...tree.orphans].reverse().concat([...tree.roots].reverse());
  for (let node = stack.pop(); node; node = stack.pop()) {
    const start = node.span.startMs;
    const end = start + Math.max(node.span.durationMs, sliver);
    let r = node.parent ? row.get(node.parent)! + 1 : 0;
    while (!fits((taken[r] ??= []), start, end)) r++;
    insert(taken[r]!, start, end);
    row.set(node, r);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return { row, rows: taken.length };
}

/** The index of the first interval that starts at or after `start`. */
function firstFrom(intervals: Array<[number, number]>, start: number): number {
  let low = 0;
  let high = intervals.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (intervals[mid]![0] < start) low = mid + 1;
    else high = mid;
  }
  return low;
}

function fits(intervals: Array<[number, number]>, start: number, end: number): boolean {
  const next = firstFrom(intervals, start);
  const before = intervals[next - 1];
  const after = intervals[next];
  return (before === undefined || before[1] <= start) && (after === undefined || after[0] >= end);
}

function insert(intervals: Array<[number, number]>, start: number, end: number): void {
  intervals.splice(firstFrom(intervals, start), 0, [start, end]);
}
