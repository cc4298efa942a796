import type { MapElementIndex, ReportIndex, ServiceMap, Stats, TraceSummary } from '../model';
import { durationMs, Flag, type CompactSpan } from '../read/spans';
import { edgeKey, type MapCounted } from './aggregate';
import { Examples } from './examples';
import { bucketOf, histogramOf } from './histogram';
import { rootOf, type TraceView } from './trace-view';

// The HTML report's links from aggregates to examples: each stats row to its slowest and
// failed traces, each function to its cold starts, each map node and edge to the traces it
// counts, with its latency histogram (its failures by class are the map's own). Fed while `analyze`
// reads (every trace that passes the filters), then narrowed to the traces the report lists.

interface TraceFacts {
  /**
   * Per operation (`service\0name`): the scores `Examples` ranks by, as `stats` does: its
   * slowest span's duration in the trace (µs), its latest failure's start (undefined: none);
   * and its slowest cold start's duration (µs, undefined: none), for the list's filters.
   */
  operations: Map<string, { slowestUs: number; failedUs: number | undefined; coldUs: number | undefined }>;
  /** Per function: its latest cold start in the trace (µs). */
  coldStarts: Map<string, number>;
  /** The root's operation, as `compare` finds a trace's peers; undefined when the root never arrived. */
  root: string | undefined;
}

interface ElementTally {
  traces: Set<string>;
  buckets: Map<number, number>;
}

const operationKey = (op: { service: string; name: string }): string => `${op.service}\0${op.name}`;

export class ReportIndexer {
  private readonly facts = new Map<string, TraceFacts>();
  private readonly elements = new Map<string, ElementTally>();

  trace(view: TraceView): void {
    const root = rootOf(view);
    const facts: TraceFacts = {
      operations: new Map(),
      coldStarts: new Map(),
      root: root && view.roots.length > 0 ? operationKey(root) : undefined,
    };
    for (const span of view.byId.values()) {
      const key = operationKey(span);
      const us = span.endUs - span.startUs;
      const failedUs = span.flags & Flag.Error ? span.startUs : undefined;
      const coldUs = span.flags & Flag.Cold ? us : undefined;
      const known = facts.operations.get(key);
      if (!known) facts.operations.set(key, { slowestUs: us, failedUs, coldUs });
      else {
        known.slowestUs = Math.max(known.slowestUs, us);
        if (failedUs !== undefined) known.failedUs = Math.max(known.failedUs ?? failedUs, failedUs);
        if (coldUs !== undefined) known.coldUs = Math.max(known.coldUs ?? coldUs, coldUs);
      }
      if (span.flags & Flag.Cold)
        facts.coldStarts.set(span.service, Math.max(facts.coldStarts.get(span.service) ?? span.startUs, span.startUs));
    }
    this.facts.set(view.traceId, facts);
  }

  readonly mapCounted: MapCounted = (element: string, span: CompactSpan, traceId: string): void => {
    let tally = this.elements.get(element);
    if (!tally) this.elements.set(element, (tally = { traces: new Set(), buckets: new Map() }));
    tally.traces.add(traceId);
    const bucket = bucketOf(durationMs(span));
    tally.buckets.set(bucket, (tally.buckets.get(bucket) ?? 0) + 1);
  };

  /**
   * Each stats row's examples among the `listed` traces, picked as `stats` picks its own
   * (examples.ts): so every link opens a trace the report lists, and when it lists every
   * trace they are `stats`' `slowestTraceIds`, `failedTraceIds` and `coldStartTraceIds`.
   */
  examples(listed: readonly TraceSummary[], stats: Stats): IndexExamples {
    const operations = new Map(
      stats.operations.map((o) => [operationKey(o), { slowest: new Examples(), failed: new Examples() }]),
    );
    const functions = new Map(stats.functions.map((f) => [f.service, new Examples()]));
    for (const { traceId } of listed) {
      const facts = this.facts.get(traceId)!;
      for (const [key, { slowestUs, failedUs }] of facts.operations) {
        const picks = operations.get(key);
        picks?.slowest.offer(traceId, slowestUs);
        if (failedUs !== undefined) picks?.failed.offer(traceId, failedUs);
      }
      for (const [service, startUs] of facts.coldStarts) functions.get(service)?.offer(traceId, startUs);
    }
    return {
      operations: stats.operations.map(({ service, name }) => {
        const picks = operations.get(operationKey({ service, name }))!;
        return { service, name, slowest: picks.slowest.traceIds(), failed: picks.failed.traceIds() };
      }),
      functions: stats.functions.map(({ service }) => ({ service, coldStarts: functions.get(service)!.traceIds() })),
    };
  }

  /** The report's index: the examples, the map's elements, the operations of the traces not held in full, and each listed trace's root. */
  index(
    listed: readonly TraceSummary[],
    map: ServiceMap,
    examples: IndexExamples,
    inFull: ReadonlySet<string>,
  ): ReportIndex {
    const position = new Map(listed.map((t, i) => [t.traceId, i]));
    const element = (key: string): MapElementIndex => {
      const tally = this.elements.get(key);
      return {
        traces: tally
          ? [...tally.traces].flatMap((id) => (position.has(id) ? [position.get(id)!] : [])).sort((a, b) => a - b)
          : [],
        histogram: histogramOf(tally?.buckets ?? new Map<number, number>()),
      };
    };
    // `examples.operations` lists every operation `stats` counted, hence every one a listed trace has.
    const operationAt = new Map(examples.operations.map((o, i) => [operationKey(o), i]));
    const spanOperations: Record<string, number[]> = {};
    const coldOperations: Record<string, number[]> = {};
    for (const { traceId } of listed) {
      if (inFull.has(traceId)) continue;
      // In the order of `operations`: the same report whichever order the spans were read in.
      const own = [...this.facts.get(traceId)!.operations]
        .map(([key, ops]) => ({ at: operationAt.get(key)!, ...ops }))
        .sort((a, b) => a.at - b.at);
      spanOperations[traceId] = own.flatMap(({ at, slowestUs }) => [at, slowestUs / 1000]);
      const cold = own.flatMap(({ at, coldUs }) => (coldUs === undefined ? [] : [at, coldUs / 1000]));
      if (cold.length > 0) coldOperations[traceId] = cold;
    }
    return {
      ...examples,
      nodes: map.nodes.map(({ service }) => ({ service, ...element(service) })),
      edges: map.edges.map(({ from, to, kind }) => ({ from, to, kind, ...element(edgeKey({ from, to, kind })) })),
      spanOperations,
      coldOperations,
      roots: listed.map(({ traceId }) => {
        const root = this.facts.get(traceId)!.root;
        return root === undefined ? -1 : operationAt.get(root)!;
      }),
    };
  }
}

export type IndexExamples = Pick<ReportIndex, 'operations' | 'functions'>;

/** The trace ids the examples name, which the report holds in full. */
export const exampleIds = (examples: IndexExamples): Set<string> =>
  new Set([
    ...examples.operations.flatMap((o) => [...o.slowest, ...o.failed]),
    ...examples.functions.flatMap((f) => f.coldStarts),
  ]);
