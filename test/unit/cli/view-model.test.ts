import { describe, expect, it } from 'vitest';
import type { TraceDetail, TraceSpan } from '../../../cli/src/model';
import { layoutFlame } from '../../../cli/src/view/client/flame-layout';
import { layoutMap, nodeHeight, nodeWidth } from '../../../cli/src/view/client/map-layout';
import { ancestors, buildTree, searchSpans, visibleRows } from '../../../cli/src/view/client/trace-tree';
import { checkoutTrace, hostileName } from '../../../testing/view-data';

const base = checkoutTrace().spans[0]!;
const detailOf = (
  durationMs: number,
  spans: Array<Partial<TraceSpan> & { spanId: string; name: string }>,
): TraceDetail => ({
  traceId: 'c'.repeat(32),
  durationMs,
  orphans: [],
  spans: spans.map((s) => ({ ...base, parentSpanId: undefined, ...s })),
});

const names = (detail: TraceDetail, collapsed: string[] = []): string[] =>
  visibleRows(buildTree(detail), new Set(collapsed)).map((r) =>
    r.kind === 'span' ? r.node.span.name : `orphans:${r.count}`,
  );

describe('the viewer’s trace tree', () => {
  it('orders spans depth first by start, marks async hops and cold starts, and lists orphans apart', () => {
    const detail = checkoutTrace();
    expect(names(detail)).toEqual([
      'POST /checkout',
      'GET inventory',
      'GET /inventory',
      'SQS SendMessage orders',
      'orders process',
      hostileName,
      'orphans:1',
      'late retry',
    ]);
    const tree = buildTree(detail);
    const consumer = [...tree.byId.values()].find((n) => n.span.name === 'orders process')!;
    expect(consumer.asyncHop).toBe(true);
    expect(consumer.depth).toBe(2);
    expect(ancestors(consumer)).toEqual([detail.spans[3]!.spanId, detail.spans[0]!.spanId]);
    expect([...tree.byId.values()].filter((n) => n.coldStart).map((n) => n.span.name)).toEqual(['POST /checkout']);
    expect([...tree.byId.values()].filter((n) => n.asyncHop)).toHaveLength(1);
  });

  it('hides the descendants of a collapsed span', () => {
    const detail = checkoutTrace();
    expect(names(detail, [detail.spans[0]!.spanId])).toEqual(['POST /checkout', 'orphans:1', 'late retry']);
    expect(names(detail, [detail.spans[1]!.spanId])).not.toContain('GET /inventory');
  });

  it('finds spans by name, service, attribute key or value, in row order, in any case', () => {
    const tree = buildTree(checkoutTrace());
    const find = (q: string): string[] => searchSpans(tree, q).map((id) => tree.byId.get(id)!.span.name);
    expect(find('inventory')).toEqual(['GET inventory', 'GET /inventory']);
    expect(find('ORDER-7731')).toEqual(['POST /checkout']);
    expect(find('<b>key')).toEqual([hostileName]);
    expect(find('  ')).toEqual([]);
    expect(find('nothing like this')).toEqual([]);
  });

  it('cuts a parent cycle instead of losing its spans', () => {
    const detail = detailOf(10, [
      { spanId: '1', parentSpanId: '2', name: 'one', startMs: 0 },
      { spanId: '2', parentSpanId: '1', name: 'two', startMs: 1 },
      { spanId: '3', name: 'root', startMs: 0 },
    ]);
    const shown = names(detail);
    expect(shown).toHaveLength(4);
    expect(shown.slice(0, 2)).toEqual(['root', 'orphans:1']);
    expect(new Set(shown.slice(2))).toEqual(new Set(['one', 'two']));
  });
});

describe('the flame graph’s rows', () => {
  it('puts children below their parent and overlapping siblings on rows of their own', () => {
    const detail = detailOf(100, [
      { spanId: 'r', name: 'root', startMs: 0, durationMs: 100 },
      { spanId: 'a', parentSpanId: 'r', name: 'a', startMs: 0, durationMs: 50 },
      { spanId: 'b', parentSpanId: 'r', name: 'b', startMs: 10, durationMs: 50 },
      { spanId: 'c', parentSpanId: 'r', name: 'c', startMs: 60, durationMs: 10 },
      { spanId: 'a1', parentSpanId: 'a', name: 'a1', startMs: 0, durationMs: 20 },
      { spanId: 'z1', parentSpanId: 'r', name: 'z1', startMs: 80, durationMs: 0 },
      { spanId: 'z2', parentSpanId: 'r', name: 'z2', startMs: 80, durationMs: 0 },
    ]);
    const tree = buildTree(detail);
    const { row, rows } = layoutFlame(tree);
    const at = (id: string): number => row.get(tree.byId.get(id)!)!;
    // Depth first: a1 goes right under a; b (10–60 ms) overlaps a on row 1 and a1 on row 2.
    expect([at('r'), at('a'), at('a1'), at('b'), at('c'), at('z1')]).toEqual([0, 1, 2, 3, 1, 1]);
    // Two zero-length spans at the same instant do not share a row.
    expect(at('z2')).toBe(2);
    expect(rows).toBe(4);
  });
});

describe('the service map’s layout', () => {
  it('places callers left of callees, survives cycles and self edges, and routes every edge', () => {
    const layout = layoutMap(
      {
        nodes: [
          {
            service: 'api',
            name: 'api',
            kind: 'service',
            count: 1,
            errors: 0,
            failures: { throttle: 0, '4xx': 0, '5xx': 0 },
            p95Ms: 1,
          },
          {
            service: 'db',
            name: 'db',
            kind: 'service',
            count: 1,
            errors: 0,
            failures: { throttle: 0, '4xx': 0, '5xx': 0 },
            p95Ms: 1,
          },
        ],
        edges: [
          {
            from: 'api',
            to: 'orders',
            kind: 'sync',
            count: 1,
            errors: 0,
            failures: { throttle: 0, '4xx': 0, '5xx': 0 },
            p95Ms: 1,
          },
          {
            from: 'orders',
            to: 'db',
            kind: 'sync',
            count: 1,
            errors: 0,
            failures: { throttle: 0, '4xx': 0, '5xx': 0 },
            p95Ms: 1,
          },
          {
            from: 'db',
            to: 'orders',
            kind: 'async',
            count: 1,
            errors: 0,
            failures: { throttle: 0, '4xx': 0, '5xx': 0 },
            p95Ms: 1,
          },
          {
            from: 'orders',
            to: 'orders',
            kind: 'async',
            count: 1,
            errors: 0,
            failures: { throttle: 0, '4xx': 0, '5xx': 0 },
            p95Ms: 1,
          },
          {
            from: 'api',
            to: 'orders',
            kind: 'async',
            count: 1,
            errors: 0,
            failures: { throttle: 0, '4xx': 0, '5xx': 0 },
            p95Ms: 1,
          },
        ],
      },
      () => 100,
    );
    const x = (s: string): number => layout.nodes.find((n) => n.service === s)!.x;
    expect(layout.nodes.map((n) => n.service).sort()).toEqual(['api', 'db', 'orders']);
    expect(x('api')).toBeLessThan(x('orders'));
    expect(x('orders')).toBeLessThan(x('db'));
    expect(layout.edges).toHaveLength(5);
    for (const edge of layout.edges) expect(edge.path).toMatch(/^M [\d.]+ [\d.]+ C /);
    // The sync and async edges between the same two services do not draw over each other.
    const [sync, async] = layout.edges.filter((e) => e.from === 'api' && e.to === 'orders');
    expect(sync!.path).not.toBe(async!.path);
    for (const node of layout.nodes) {
      expect(node.x + nodeWidth).toBeLessThanOrEqual(layout.width);
      expect(node.y + nodeHeight).toBeLessThanOrEqual(layout.height);
    }
  });

  it('puts each edge label clear of every node and of the other labels, an edge that skips a layer too', () => {
    // api → auth → db, and api → db straight across auth's layer at auth's height.
    const node = (service: string) => ({
      service,
      name: service,
      kind: 'service' as const,
      count: 1,
      errors: 0,
      failures: { throttle: 0, '4xx': 0, '5xx': 0 },
      p95Ms: 1,
    });
    const edge = (from: string, to: string) => ({
      from,
      to,
      kind: 'sync' as const,
      count: 1,
      errors: 0,
      failures: { throttle: 0, '4xx': 0, '5xx': 0 },
      p95Ms: 1,
    });
    const width = 150;
    const layout = layoutMap(
      {
        nodes: ['api', 'auth', 'db'].map(node),
        edges: [edge('api', 'auth'), edge('auth', 'db'), edge('api', 'db'), edge('db', 'api')],
      },
      () => width,
    );
    const boxes = layout.edges.map((e) => ({ x: e.labelX - width / 2, y: e.labelY - 13, width, height: 17 }));
    const overlaps = (a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean =>
      a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    for (const [i, box] of boxes.entries()) {
      for (const n of layout.nodes)
        expect(
          overlaps(box, { x: n.x, y: n.y, width: nodeWidth, height: nodeHeight }),
          `${layout.edges[i]!.from} → ${layout.edges[i]!.to} on ${n.service}`,
        ).toBe(false);
      for (const other of boxes.slice(i + 1)) expect(overlaps(box, other)).toBe(false);
    }
  });
});
