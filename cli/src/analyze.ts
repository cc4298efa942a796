import { OtlpSpanKind } from '../../src/otlp/types';
import { Aggregator, type LinkResolver, type MapCounted } from './analysis/aggregate';
import { matches, type Filters } from './analysis/filters';
import { traceDetail } from './analysis/trace-detail';
import { summarize, traceView, type TraceView } from './analysis/trace-view';
import { CliError } from './errors';
import type { ServiceMap, Stats, TraceDetail, TraceSummary } from './model';
import { Progress } from './progress';
import { readInto } from './read/read';
import { SpanStore, type ReadCounts } from './read/span-store';
import type { Source } from './sources/source';

export interface Analysis {
  /** The traces that pass the filters, newest first. */
  traces: TraceSummary[];
  stats: Stats;
  map: ServiceMap;
  /** The traces asked for in full (`detail`), by id, when they pass the filters. */
  details: Map<string, TraceDetail>;
  counts: ReadCounts;
}

export interface AnalyzeOptions {
  filters?: Filters;
  /** Which traces to keep in full, with attributes, events and links. */
  detail?: (traceId: string) => boolean;
  progress?: Progress;
  /** `--bucket`: the timeline's step in milliseconds. */
  bucketMs?: number;
  /** Shown each trace that passes the filters, and each span the map counts (the report's index). */
  observer?: { trace(view: TraceView): void; mapCounted: MapCounted };
}

/** Why nothing could be read, when nothing could. */
function nothingRead(source: Source, counts: ReadCounts): CliError {
  const where = counts.firstOrigin !== undefined ? ` (${counts.firstOrigin})` : '';
  if (counts.skippedRecords > 0) return new CliError(`nothing readable in ${source.description}: ${counts.skippedRecords} record(s) skipped, the first${where} because: ${counts.firstReason}`);
  if (counts.skippedSpans > 0) return new CliError(`nothing readable in ${source.description}: ${counts.skippedSpans} span(s) skipped, the first${where} because: ${counts.firstReason}`);
  return new CliError(`no spans in ${source.description}`);
}

/** Reads a source once and computes every view of it the commands print. */
export async function analyze(source: Source, options: AnalyzeOptions = {}): Promise<Analysis> {
  const filters = options.filters ?? {};
  const store = new SpanStore({ ...(filters.query ? { query: filters.query } : {}), ...(options.detail ? { detail: options.detail } : {}) });
  await readInto(source, store, options.progress);
  if (store.counts.spans === 0) throw nothingRead(source, store.counts);
  const resolve: LinkResolver = (ref) => {
    const slash = ref.indexOf('/');
    return store.traces.get(ref.slice(0, slash))?.get(ref.slice(slash + 1));
  };
  // Producer spans with a child in a service, as `traceId/spanId\0service`.
  const deliveries = new Set<string>();
  for (const [traceId, spans] of store.traces) {
    for (const span of spans.values()) {
      const parent = span.parentSpanId === undefined ? undefined : spans.get(span.parentSpanId);
      if (parent?.kind === OtlpSpanKind.Producer) deliveries.add(`${traceId}/${parent.spanId}\0${span.service}`);
    }
  }
  const aggregator = new Aggregator(resolve, (ref, service) => deliveries.has(`${ref}\0${service}`), options.bucketMs, options.observer?.mapCounted);
  const traces: TraceSummary[] = [];
  const details = new Map<string, TraceDetail>();
  for (const [traceId, spans] of store.traces) {
    const view = traceView(traceId, spans);
    if (!matches(filters, view)) continue;
    traces.push(summarize(view));
    aggregator.add(view);
    options.observer?.trace(view);
    if (store.details.has(traceId)) details.set(traceId, traceDetail(view, store.details.get(traceId), resolve));
  }
  traces.sort((a, b) => (a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : a.traceId.localeCompare(b.traceId)));
  return { traces, stats: aggregator.stats(), map: aggregator.map(), details, counts: store.counts };
}
