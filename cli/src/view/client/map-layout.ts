// Places the service map: services in layers from left to right along the calls (cycles
// broken where a depth-first walk finds them), each layer ordered by the barycentre of its
// neighbours to cut crossings, and edges drawn as curves with a label point clear of the nodes.
import type { ServiceMap } from '../../model';
import { noFailures } from '../../analysis/failure';

export const nodeWidth = 215;
export const nodeHeight = 66;
// Columns are at least this far apart, and farther when an edge's label needs it.
const minGapX = 120;
const gapY = 44;
const margin = 24;

type MapNode = ServiceMap['nodes'][number];
type MapEdge = ServiceMap['edges'][number];

export interface PlacedNode extends MapNode {
  x: number;
  y: number;
}

export interface PlacedEdge extends MapEdge {
  path: string;
  labelX: number;
  labelY: number;
}

export interface MapLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

/**
 * `labelWidth`: an edge label's width in the map's units, as drawn (the layout keeps labels
 * off the nodes and off each other).
 */
export function layoutMap(map: ServiceMap, labelWidth: (edge: MapEdge) => number): MapLayout {
  const stats = new Map<string, MapNode>();
  for (const node of map.nodes) stats.set(node.service, node);
  for (const edge of map.edges) {
    for (const service of [edge.from, edge.to]) {
      if (!stats.has(service))
        stats.set(service, {
          service,
          name: service,
          kind: 'service',
          count: 0,
          errors: 0,
          failures: noFailures(),
          p95Ms: 0,
        });
    }
  }
  const names = [...stats.keys()].sort();
  const out = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const edge of map.edges) if (edge.from !== edge.to) out.get(edge.from)!.push(edge.to);

  const forward = forwardEdges(names, out);
  const layer = new Map<string, number>(names.map((n) => [n, 0]));
  // Longest path on the acyclic forward edges, in topological order.
  const incoming = new Map<string, number>(names.map((n) => [n, 0]));
  for (const [, to] of forward) incoming.set(to, incoming.get(to)! + 1);
  const ready = names.filter((n) => incoming.get(n) === 0);
  for (let name = ready.shift(); name !== undefined; name = ready.shift()) {
    for (const [from, to] of forward) {
      if (from !== name) continue;
      layer.set(to, Math.max(layer.get(to)!, layer.get(from)! + 1));
      incoming.set(to, incoming.get(to)! - 1);
      if (incoming.get(to) === 0) ready.push(to);
    }
  }

  const layers: string[][] = [];
  for (const name of names) (layers[layer.get(name)!] ??= []).push(name);
  orderLayers(layers, forward);

  const widths = map.edges.map(labelWidth);
  const gapX = Math.max(minGapX, ...widths.map((w) => w + 24));
  const tallest = Math.max(...layers.map((l) => l.length), 1);
  const height = tallest * nodeHeight + (tallest - 1) * gapY + 2 * margin + 40;
  const placed = new Map<string, PlacedNode>();
  layers.forEach((members, column) => {
    const top = (height - (members.length * nodeHeight + (members.length - 1) * gapY)) / 2;
    members.forEach((name, row) => {
      placed.set(name, {
        ...stats.get(name)!,
        x: margin + column * (nodeWidth + gapX),
        y: top + row * (nodeHeight + gapY),
      });
    });
  });
  const width = 2 * margin + layers.length * nodeWidth + Math.max(0, layers.length - 1) * gapX;

  const pairs = new Map<string, number>();
  const nodeBoxes = [...placed.values()].map(
    (n): Box => ({ x: n.x - 4, y: n.y - 4, width: nodeWidth + 8, height: nodeHeight + 8 }),
  );
  const labels: Box[] = [];
  const edges = map.edges.map((edge, i): PlacedEdge => {
    const key = `${edge.from}\u0000${edge.to}`;
    const nth = pairs.get(key) ?? 0;
    pairs.set(key, nth + 1);
    const { curve, path } = route(placed.get(edge.from)!, placed.get(edge.to)!, nth);
    const [labelX, labelY] = labelPoint(curve, widths[i]!, nodeBoxes, labels);
    return { ...edge, path, labelX, labelY };
  });
  return { width, height, nodes: [...placed.values()], edges };
}

/** The edges that a depth-first walk does not find going back up its own path. */
function forwardEdges(names: string[], out: Map<string, string[]>): Array<[string, string]> {
  const state = new Map<string, 'open' | 'done'>();
  const kept: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const start of names) {
    if (state.has(start)) continue;
    const stack: Array<{ name: string; next: number }> = [{ name: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const targets = out.get(top.name)!;
      if (top.next >= targets.length) {
        state.set(top.name, 'done');
        stack.pop();
        continue;
      }
      const to = targets[top.next++]!;
      const key = `${top.name}\u0000${to}`;
      if (state.get(to) === 'open' || seen.has(key)) continue;
      seen.add(key);
      kept.push([top.name, to]);
      if (!state.has(to)) {
        state.set(to, 'open');
        stack.push({ name: to, next: 0 });
      }
    }
  }
  return kept;
}

function orderLayers(layers: string[][], forward: Array<[string, string]>): void {
  const position = new Map<string, number>();
  const reindex = (): void => layers.forEach((l) => l.forEach((n, i) => position.set(n, i)));
  reindex();
  const neighbours = (name: string, upstream: boolean): number[] =>
    forward
      .filter(([from, to]) => (upstream ? to === name : from === name))
      .map(([from, to]) => position.get(upstream ? from : to)!);
  for (let sweep = 0; sweep < 4; sweep++) {
    const upstream = sweep % 2 === 0;
    const order = upstream ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const members of order) {
      const weight = new Map(
        members.map((n) => {
          const near = neighbours(n, upstream);
          return [n, near.length === 0 ? position.get(n)! : near.reduce((a, b) => a + b, 0) / near.length];
        }),
      );
      members.sort((a, b) => weight.get(a)! - weight.get(b)!);
      reindex();
    }
  }
}

type Point = [number, number];
type Curve = [Point, Point, Point, Point];

/** A label's box, `width` wide, centred above the point. */
const labelBox = ([x, y]: Point, width: number): Box => ({
  x: x - width / 2,
  y: y - LABEL_HEIGHT,
  width,
  height: LABEL_HEIGHT + 4,
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const overlaps = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

function pointAt([p0, p1, p2, p3]: Curve, t: number): Point {
  const u = 1 - t;
  const at = (i: 0 | 1): number =>
    u * u * u * p0[i] + 3 * u * u * t * p1[i] + 3 * u * t * t * p2[i] + t * t * t * p3[i];
  return [at(0), at(1)];
}

// Where along its curve an edge's label may go, middle first; and above or below the line.
const ALONG = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88];
const ACROSS = [-5, 17];
const LABEL_HEIGHT = 13;

/**
 * The label's point: the first along the curve whose box clears every node and the labels
 * placed before it (a label in the middle of an edge that skips a layer lands on that layer's
 * nodes), else the middle.
 */
function labelPoint(curve: Curve, width: number, nodes: readonly Box[], labels: Box[]): Point {
  for (const t of ALONG) {
    for (const dy of ACROSS) {
      const [x, y] = pointAt(curve, t);
      const box = labelBox([x, y + dy], width);
      if (!nodes.some((n) => overlaps(box, n)) && !labels.some((l) => overlaps(box, l))) {
        labels.push(box);
        return [x, y + dy];
      }
    }
  }
  const [x, y] = pointAt(curve, 0.5);
  return [x, y - 5];
}

function route(from: PlacedNode, to: PlacedNode, nth: number): { curve: Curve; path: string } {
  const shift = nth * 14;
  const curve = ((): Curve => {
    if (from === to) {
      const x = from.x + nodeWidth / 2;
      const y = from.y;
      return [
        [x - 20, y],
        [x - 40, y - 50 - shift],
        [x + 40, y - 50 - shift],
        [x + 20, y],
      ];
    }
    if (to.x > from.x) {
      const x1 = from.x + nodeWidth;
      const y1 = from.y + nodeHeight / 2 + shift;
      const x2 = to.x;
      const y2 = to.y + nodeHeight / 2 + shift;
      const bend = (x2 - x1) / 2;
      return [
        [x1, y1],
        [x1 + bend, y1],
        [x2 - bend, y2],
        [x2, y2],
      ];
    }
    // Back or sideways: leave under the source, arrive under the target.
    const x1 = from.x + nodeWidth / 2 + shift;
    const y1 = from.y + nodeHeight;
    const x2 = to.x + nodeWidth / 2 + shift;
    const y2 = to.y + nodeHeight;
    const dip = Math.max(y1, y2) + 60 + shift;
    return [
      [x1, y1],
      [x1, dip],
      [x2, dip],
      [x2, y2],
    ];
  })();
  const [[ax, ay], [bx, by], [cx, cy], [dx, dy]] = curve;
  return { curve, path: `M ${ax} ${ay} C ${bx} ${by}, ${cx} ${cy}, ${dx} ${dy}` };
}
