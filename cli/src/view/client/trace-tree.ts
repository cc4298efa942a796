// The waterfall's and the flame graph's view of one trace: spans as a tree in start order,
// orphans (parent never received) apart, and the rows left visible by collapsed subtrees.
import type { TraceDetail, TraceSpan } from '../../model';

export interface SpanNode {
  span: TraceSpan;
  depth: number;
  children: SpanNode[];
  parent?: SpanNode;
  /** True when this span's parent is a producer in another service: an asynchronous hop. */
  asyncHop: boolean;
  coldStart: boolean;
}

export interface TraceTree {
  roots: SpanNode[];
  orphans: SpanNode[];
  byId: Map<string, SpanNode>;
}

/** What each view of one trace (waterfall, flame graph) is given. */
export interface TracePaneProps {
  detail: TraceDetail;
  tree: TraceTree;
  selectedId: string | undefined;
  onSelect: (spanId: string) => void;
}

/** A waterfall row: a span, or the line that sets the orphans apart. */
export type Row = { kind: 'span'; node: SpanNode } | { kind: 'orphans'; count: number };

const byStart = (a: SpanNode, b: SpanNode): number => a.span.startMs - b.span.startMs;

export function buildTree(detail: TraceDetail): TraceTree {
  const byId = new Map<string, SpanNode>();
  for (const span of detail.spans) {
    byId.set(span.spanId, {
      span,
      depth: 0,
      children: [],
      asyncHop: false,
      coldStart: span.attributes['faas.coldstart'] === true,
    });
  }
  const roots: SpanNode[] = [];
  const orphans: SpanNode[] = [];
  const listedOrphans = new Set(detail.orphans);
  for (const node of byId.values()) {
    const parentId = node.span.parentSpanId || undefined;
    const parent = parentId === undefined ? undefined : byId.get(parentId);
    if (parent && parent !== node) {
      node.parent = parent;
      parent.children.push(node);
      node.asyncHop = parent.span.kind === 'producer' || node.span.kind === 'consumer';
    } else if (parentId !== undefined || listedOrphans.has(node.span.spanId)) {
      orphans.push(node);
    } else {
      roots.push(node);
    }
  }
  const seen = new Set<SpanNode>();
  // Iterative walk: a 10,000-span chain would overflow a recursive one.
  const place = (top: SpanNode[]): void => {
    const stack = [...top];
    for (let node = stack.pop(); node; node = stack.pop()) {
      seen.add(node);
      node.children.sort(byStart);
      node.depth = node.parent ? node.parent.depth + 1 : 0;
      stack.push(...node.children);
    }
  };
  place([...roots, ...orphans]);
  // Spans whose parents form a cycle are reached from no root: each cycle is cut at one
  // span, which is shown with the orphans.
  for (const node of byId.values()) {
    if (seen.has(node)) continue;
    const siblings = node.parent?.children ?? [];
    siblings.splice(siblings.indexOf(node), 1);
    node.parent = undefined;
    node.asyncHop = false;
    orphans.push(node);
    place([node]);
  }
  roots.sort(byStart);
  orphans.sort(byStart);
  return { roots, orphans, byId };
}

/** Depth-first rows, skipping the descendants of collapsed spans. */
export function visibleRows(tree: TraceTree, collapsed: ReadonlySet<string>): Row[] {
  const rows: Row[] = [];
  const walk = (top: SpanNode[]): void => {
    const stack = [...top].reverse();
    for (let node = stack.pop(); node; node = stack.pop()) {
      rows.push({ kind: 'span', node });
      if (!collapsed.has(node.span.spanId)) {
        for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
      }
    }
  };
  walk(tree.roots);
  if (tree.orphans.length > 0) {
    rows.push({ kind: 'orphans', count: tree.orphans.length });
    walk(tree.orphans);
  }
  return rows;
}

/** Spans whose name, service, id, status message or attributes contain the query (any case), in row order. */
export function searchSpans(tree: TraceTree, query: string): string[] {
  const needle = query.trim().toLowerCase();
  if (needle === '') return [];
  const found: string[] = [];
  for (const row of visibleRows(tree, new Set())) {
    if (row.kind === 'span' && spanText(row.node.span).includes(needle)) found.push(row.node.span.spanId);
  }
  return found;
}

function spanText(span: TraceSpan): string {
  const parts = [span.name, span.service, span.spanId, span.statusMessage ?? ''];
  for (const [key, value] of Object.entries(span.attributes)) parts.push(key, String(value));
  return parts.join('\n').toLowerCase();
}

/** The ancestors of a span, so that revealing it can expand them. */
export function ancestors(node: SpanNode): string[] {
  const ids: string[] = [];
  for (let up = node.parent; up; up = up.parent) ids.push(up.span.spanId);
  return ids;
}
