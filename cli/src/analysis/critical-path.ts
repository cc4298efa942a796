import { Flag, isAsyncHop, type CompactSpan } from '../read/spans';
import type { TraceView } from './trace-view';

interface Node {
  span: CompactSpan;
  parent: Node | undefined;
  /** The span's time as the path sees it (see `arrange`). */
  start: number;
  end: number;
  depth: number;
  /** Its place among its parent's children. */
  index: number;
  /** Children by end time, ascending (then by start), for the binary search below. */
  children: Node[];
}

/**
 * Each tree of the trace (a root or an orphan, with its descendants) with the times the
 * critical path works on. As in Jaeger, a synchronous child is clipped to its parent's
 * window (clock skew), and one entirely outside it is left out with its descendants. A
 * child across an asynchronous hop (a consumer, or a producer's child) keeps its own times:
 * it runs after its parent may have ended, and the trace's end-to-end time includes it. So
 * does the sandbox's `init` span, a child of the cold start's invocation that runs before it:
 * the caller waited for it (X-Ray draws Initialization inside the invocation).
 */
function arrange(view: TraceView): Node[][] {
  const trees: Node[][] = [];
  for (const top of [...view.roots, ...view.orphans]) {
    const first: Node = {
      span: top,
      parent: undefined,
      start: top.startUs,
      end: top.endUs,
      depth: 0,
      index: 0,
      children: [],
    };
    const tree = [first];
    for (let i = 0; i < tree.length; i++) {
      const node = tree[i]!;
      for (const child of view.children.get(node.span.spanId) ?? []) {
        let start = child.startUs;
        let end = child.endUs;
        if (!isAsyncHop(child, node.span) && !(child.flags & Flag.Init)) {
          if (start >= node.end || end <= node.start) continue;
          start = Math.max(start, node.start);
          end = Math.min(end, node.end);
        }
        const next: Node = { span: child, parent: node, start, end, depth: node.depth + 1, index: 0, children: [] };
        node.children.push(next);
        tree.push(next);
      }
      node.children.sort((a, b) => a.end - b.end || a.start - b.start);
      node.children.forEach((child, i) => (child.index = i));
    }
    trees.push(tree);
  }
  return trees;
}

/**
 * The child that finishes last at or before `t`, among the first `before` children (those
 * ordered before the child the walk returns from). A call ending in the same microsecond as
 * the next one starts is on the path: Jaeger's strict `<` here drops it, which clocks that
 * tick in milliseconds make common.
 */
function lastFinishingChild(node: Node, t: number, before: number): Node | undefined {
  let lo = 0;
  let hi = before;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (node.children[mid]!.end <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? node.children[lo - 1] : undefined;
}

/**
 * The spans on the critical path: those that have a stretch of their own time in the chain
 * that sets the trace's end-to-end duration. Jaeger's walk, per tree: from the span that
 * ends last, go into the child that finishes last before the time reached; a span with no
 * such child owns the stretch back to its start, and the walk returns to its parent at that
 * start. On a synchronous tree the span ending last is the root, and this is exactly
 * Jaeger's; across an asynchronous hop it starts in the consumer that ends last, and the
 * producer's side is the path up to it (the queue's wait belongs to no span).
 */
export function criticalPath(view: TraceView): Set<string> {
  const critical = new Set<string>();
  for (const tree of arrange(view)) {
    let current = tree[0]!;
    for (const node of tree)
      if (node.end > current.end || (node.end === current.end && node.depth < current.depth)) current = node;
    let t = current.end;
    let before = current.children.length;
    for (;;) {
      const child = lastFinishingChild(current, t, before);
      const sectionEnd = Math.min(t, current.end);
      const sectionStart = child ? child.end : current.start;
      if (sectionEnd > sectionStart) critical.add(current.span.spanId);
      if (child) {
        current = child;
        t = child.end;
        before = child.children.length;
        continue;
      }
      if (!current.parent) break;
      t = current.start;
      before = current.index;
      current = current.parent;
    }
  }
  return critical;
}
