import type { MapElementIndex, ReportIndex, ServiceMap, Stats, TraceSummary } from '../model';
import { durationMs, Flag, type CompactSpan } from '../read/spans';
import { edgeKey, type MapCounted } from './aggregate';
import { bucketOf, histogramOf } from './histogram';
import type { TraceView } from './trace-view';

// The HTML report's links from aggregates to examples: each stats row to its slowest and
// failed traces, each function to its cold starts, each map node and edge to the traces it
// counts, with its latency histogram (its failures by class are the map's own). Fed while `analyze`
// reads (every trace that passes the filters), then narrowed to the traces the report lists.

/** Examples per stats row: enough to compare, few enough to read. */
export const EXAMPLES = 3;

interface TraceFacts {
  /** Per operation (`service\0name`): its slowest span's duration in the trace, and whether one failed. */
  operations: Map<string, { ms: number; failed: boolean }>;
  coldServices: Set<string>;
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
    const facts: TraceFacts = { operations: new Map(), coldServices: new Set() };
    for (const span of view.byId.values()) {
      const key = operationKey(span);
      const known = facts.operations.get(key);
      const ms = durationMs(span);
      const failed = (span.flags & Flag.Error) !== 0;
      if (!known) facts.operations.set(key, { ms, failed });
      else {
        known.ms = Math.max(known.ms, ms);
        known.failed ||= failed;
      }
      if (span.flags & Flag.Cold) facts.coldServices.add(span.service);
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

  /** Each stats row's examples among the `listed` traces (newest first). */
  examples(listed: readonly TraceSummary[], stats: Stats): Examples {
    const factsOf = listed.map((t) => ({ traceId: t.traceId, facts: this.facts.get(t.traceId)! }));
    return {
      operations: stats.operations.map(({ service, name }) => {
        const key = operationKey({ service, name });
        const having = factsOf.filter(({ facts }) => facts.operations.has(key));
        const slowest = having.toSorted((a, b) => b.facts.operations.get(key)!.ms - a.facts.operations.get(key)!.ms);
        return {
          service,
          name,
          slowest: slowest.slice(0, EXAMPLES).map((t) => t.traceId),
          failed: having.filter(({ facts }) => facts.operations.get(key)!.failed).slice(0, EXAMPLES).map((t) => t.traceId),
        };
      }),
      functions: stats.functions.map(({ service }) => ({
        service,
        coldStarts: factsOf.filter(({ facts }) => facts.coldServices.has(service)).slice(0, EXAMPLES).map((t) => t.traceId),
      })),
    };
  }

  /** The report's index: the examples, the map's elements, and the span names of the traces not held in full. */
  index(listed: readonly TraceSummary[], map: ServiceMap, examples: Examples, inFull: ReadonlySet<string>): ReportIndex {
    const position = new Map(listed.map((t, i) => [t.traceId, i]));
    const element = (key: string): MapElementIndex => {
      const tally = this.elements.get(key);
      return {
        traces: tally ? [...tally.traces].flatMap((id) => (position.has(id) ? [position.get(id)!] : [])).sort((a, b) => a - b) : [],
        histogram: histogramOf(tally?.buckets ?? new Map<number, number>()),
      };
    };
    const spanNames: Record<string, string[]> = {};
    for (const { traceId } of listed) {
      if (inFull.has(traceId)) continue;
      const keys = [...this.facts.get(traceId)!.operations.keys()];
      spanNames[traceId] = [...new Set(keys.map((key) => key.slice(key.indexOf('\0') + 1)))].sort();
    }
    return {
      ...examples,
      nodes: map.nodes.map(({ service }) => ({ service, ...element(service) })),
      edges: map.edges.map(({ from, to, kind }) => ({ from, to, kind, ...element(edgeKey({ from, to, kind })) })),
      spanNames,
    };
  }
}

export type Examples = Pick<ReportIndex, 'operations' | 'functions'>;

/** The trace ids the examples name, which the report holds in full. */
export const exampleIds = (examples: Examples): Set<string> =>
  new Set([...examples.operations.flatMap((o) => [...o.slowest, ...o.failed]), ...examples.functions.flatMap((f) => f.coldStarts)]);
