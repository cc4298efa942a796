import { requestKey, ServiceRequests } from '../../../src/otlp/service-requests';
import type { FailureSplit, ServiceMap, Stats } from '../model';
import { OtlpSpanKind } from '../../../src/otlp/types';
import { durationMs, Flag, isAsyncHop, type CompactSpan } from '../read/spans';
import { dependencyNode, type Dependency } from './dependency';
import { Examples } from './examples';
import { failureClass, noFailures } from './failure';
import { histogramOfSorted } from './histogram';
import { timelineOf } from './timeline';
import { nearestRank, sortedCopy } from './percentiles';
import type { TraceView } from './trace-view';

interface Tally {
  count: number;
  errors: number;
  durations: number[];
  /** The failed spans told apart by class, where they say which (the map's nodes and edges). */
  failures: FailureSplit;
}

const tally = (): Tally => ({ count: 0, errors: 0, durations: [], failures: noFailures() });

function count(t: Tally, span: CompactSpan): void {
  t.count++;
  if (span.flags & Flag.Error) {
    t.errors++;
    const kind = span.failure ? failureClass(span.failure) : 'error';
    if (kind !== 'error') t.failures[kind]++;
  }
  t.durations.push(durationMs(span));
}

function getOr<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

/** Maps within a map, keyed by two strings without joining them into a new string per span. */
function inner<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = new Map()));
  return value;
}

/** The order `stats` and `map` list their rows in (the archive's answers are sorted alike). */
export const byService = (a: { service: string }, b: { service: string }): number => a.service.localeCompare(b.service);
export const byOperation = (a: { service: string; name: string }, b: { service: string; name: string }): number =>
  byService(a, b) || a.name.localeCompare(b.name);
/** The order `stats --by` lists an attribute's values in: numbers within them as numbers (version 9 before 10). */
export const byValue = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });
export const byEdge = (a: ServiceMap['edges'][number], b: ServiceMap['edges'][number]): number =>
  a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.kind.localeCompare(b.kind);

/** A call answered by a service we trace: the span has a child in another service. */
function callsTracedService(view: TraceView, span: CompactSpan): boolean {
  const children = view.children.get(span.spanId);
  if (children) for (const child of children) if (child.service !== span.service) return true;
  return false;
}

/** Looks a span up by `traceId/spanId` in everything read (links may cross traces). */
export type LinkResolver = (ref: string) => CompactSpan | undefined;

/**
 * Whether the producer span `ref` (`traceId/spanId`) has a child in `service`: a message a
 * batch consumer handled with `traceRecord`, whose delivery the child's hop already counts.
 */
export type DeliveredTo = (ref: string, service: string) => boolean;

/** A map element's id: a node's (its `service`), or an edge's from its ends and kind. */
export const edgeKey = (edge: { from: string; to: string; kind: string }): string =>
  edgeKeyOf(edge.from, edge.to, edge.kind);
const edgeKeyOf = (from: string, to: string, kind: string): string => `${from}\0${to}\0${kind}`;

/** Told of each span a map node or edge (by `edgeKey`) counts, with its trace: the report indexes the map by it. */
export type MapCounted = (element: string, span: CompactSpan, traceId: string) => void;

type Edge = Tally & { from: string; to: string; kind: 'sync' | 'async'; key: string };

/** An operation's figures; its spans' starts and failures line up with its `durations`, for the timeline. */
interface Operation extends Tally {
  service: string;
  name: string;
  startsUs: number[];
  failedFlags: boolean[];
  slowest: Examples;
  failed: Examples;
}

const newOperation = (span: CompactSpan): Operation => ({
  ...tally(),
  service: span.service,
  name: span.name,
  startsUs: [],
  failedFlags: [],
  slowest: new Examples(),
  failed: new Examples(),
});

/**
 * `stats` and `map`, accumulated trace by trace. Durations are kept as numbers so the
 * percentiles are exact (nearest rank), not estimated from buckets.
 */
export class Aggregator {
  /** By service, then name; `operationList` holds them in the order first seen. */
  private readonly operations = new Map<string, Map<string, Operation>>();
  private readonly operationList: Operation[] = [];
  private readonly functions = new Map<
    string,
    { invocations: number; coldStarts: number; inits: number[]; cold: Examples }
  >();
  private readonly nodes = new Map<string, Tally>();
  /** By kind, then name; `dependencyList` holds them in the order first seen, with their node ids. */
  private readonly dependencies = new Map<string, Map<string, Tally & Dependency & { node: string }>>();
  private readonly dependencyList: Array<Tally & Dependency & { node: string }> = [];
  /** By from, then to, then kind; `edgeList` holds them in the order first seen, with their `edgeKey`s. */
  private readonly edges = new Map<string, Map<string, { sync?: Edge; async?: Edge }>>();
  private readonly edgeList: Edge[] = [];
  /** The trace being added's requests (`add`), one instance reused trace after trace. */
  private readonly requests = new ServiceRequests<CompactSpan>();
  private readonly spansPerTrace: number[] = [];
  private withOrphans = 0;

  constructor(
    private readonly resolve: LinkResolver,
    private readonly delivered: DeliveredTo = () => false,
    /** `--bucket`: the timeline's step; chosen from the spans' range without it. */
    private readonly bucketMs?: number,
    private readonly counted: MapCounted = () => {},
  ) {}

  private edge(from: string, to: string, kind: 'sync' | 'async', span: CompactSpan, traceId: string): void {
    if (from === to) return;
    const byTo = inner(this.edges, from);
    let kinds = byTo.get(to);
    if (!kinds) byTo.set(to, (kinds = {}));
    let edge = kinds[kind];
    if (!edge) {
      edge = kinds[kind] = { ...tally(), from, to, kind, key: edgeKeyOf(from, to, kind) };
      this.edgeList.push(edge);
    }
    count(edge, span);
    this.counted(edge.key, span, traceId);
  }

  add(view: TraceView): void {
    this.spansPerTrace.push(view.byId.size);
    if (view.orphans.length > 0) this.withOrphans++;
    const requests = this.requests;
    requests.clear();
    for (const span of view.byId.values()) {
      const byName = inner(this.operations, span.service);
      let operation = byName.get(span.name);
      if (!operation) {
        byName.set(span.name, (operation = newOperation(span)));
        this.operationList.push(operation);
      }
      count(operation, span);
      operation.startsUs.push(span.startUs);
      operation.failedFlags.push((span.flags & Flag.Error) !== 0);
      operation.slowest.note(view.traceId, span.endUs - span.startUs);
      if (span.flags & Flag.Error) operation.failed.note(view.traceId, span.startUs);
      if (span.flags & (Flag.Invocation | Flag.Init)) {
        const fn = getOr(this.functions, span.service, () => ({
          invocations: 0,
          coldStarts: 0,
          inits: [] as number[],
          cold: new Examples(),
        }));
        if (span.flags & Flag.Invocation) fn.invocations++;
        if (span.flags & Flag.Cold) {
          fn.coldStarts++;
          fn.cold.note(view.traceId, span.startUs);
        }
        if (span.flags & Flag.Init) fn.inits.push(durationMs(span));
      }
      for (const ref of span.links ?? []) {
        const linked = this.resolve(ref);
        // The batch's link to a message's producer is the same delivery as the message's own span under it.
        if (linked && linked.spanId !== span.parentSpanId && !this.delivered(ref, span.service))
          this.edge(linked.service, span.service, 'async', span, view.traceId);
      }
      if (span.dependency && !callsTracedService(view, span)) {
        const byName = inner(this.dependencies, span.dependency.kind);
        let dependency = byName.get(span.dependency.name);
        if (!dependency) {
          dependency = { ...tally(), ...span.dependency, node: dependencyNode(span.dependency) };
          byName.set(span.dependency.name, dependency);
          this.dependencyList.push(dependency);
        }
        count(dependency, span);
        this.counted(dependency.node, span, view.traceId);
        this.edge(
          span.service,
          dependency.node,
          span.kind === OtlpSpanKind.Producer ? 'async' : 'sync',
          span,
          view.traceId,
        );
      }
      const parent = span.parentSpanId === undefined ? undefined : view.byId.get(span.parentSpanId);
      const request = requestKey(span, span.service, parent?.service);
      if (request !== undefined) requests.offer(request, span, span.startUs);
    }
    for (const span of requests.values()) {
      const parent = span.parentSpanId === undefined ? undefined : view.byId.get(span.parentSpanId);
      // A service's node counts the requests it served: spans entering it from elsewhere.
      count(getOr(this.nodes, span.service, tally), span);
      this.counted(span.service, span, view.traceId);
      if (parent)
        this.edge(parent.service, span.service, isAsyncHop(span, parent) ? 'async' : 'sync', span, view.traceId);
    }
  }

  stats(): Stats {
    const perTrace = sortedCopy(this.spansPerTrace);
    return {
      operations: [...this.operationList]
        .sort(byOperation)
        .map(({ service, name, count, errors, durations, slowest, failed }) => {
          const sorted = sortedCopy(durations);
          return {
            service,
            name,
            count,
            errors,
            p50Ms: nearestRank(sorted, 50),
            p95Ms: nearestRank(sorted, 95),
            p99Ms: nearestRank(sorted, 99),
            histogram: histogramOfSorted(sorted),
            slowestTraceIds: slowest.traceIds(),
            failedTraceIds: failed.traceIds(),
          };
        }),
      functions: [...this.functions.entries()]
        .map(([service, fn]) => {
          const sorted = sortedCopy(fn.inits);
          // No init span read (plain OpenTelemetry records none): unknown, not a free cold start.
          const known = sorted.length > 0;
          return {
            service,
            invocations: fn.invocations,
            coldStarts: fn.coldStarts,
            initP50Ms: known ? nearestRank(sorted, 50) : null,
            initP95Ms: known ? nearestRank(sorted, 95) : null,
            coldStartTraceIds: fn.cold.traceIds(),
          };
        })
        .sort(byService),
      traces: {
        count: this.spansPerTrace.length,
        withOrphans: this.withOrphans,
        spansPerTrace: {
          p50: nearestRank(perTrace, 50),
          p95: nearestRank(perTrace, 95),
          max: perTrace.length > 0 ? perTrace[perTrace.length - 1]! : 0,
        },
      },
      timeline: timelineOf(this.operationList, this.bucketMs),
    };
  }

  map(): ServiceMap {
    const p95 = (t: Tally): number => nearestRank(sortedCopy(t.durations), 95);
    return {
      nodes: [
        ...[...this.nodes.entries()].map(([service, t]) => ({
          service,
          name: service,
          kind: 'service' as const,
          count: t.count,
          errors: t.errors,
          failures: t.failures,
          p95Ms: p95(t),
        })),
        ...this.dependencyList.map((t) => ({
          service: t.node,
          name: t.name,
          kind: t.kind,
          count: t.count,
          errors: t.errors,
          failures: t.failures,
          p95Ms: p95(t),
        })),
      ].sort(byService),
      edges: this.edgeList
        .map((e) => ({
          from: e.from,
          to: e.to,
          kind: e.kind,
          count: e.count,
          errors: e.errors,
          failures: e.failures,
          p95Ms: p95(e),
        }))
        .sort(byEdge),
    };
  }
}
