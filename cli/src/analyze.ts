import { OtlpSpanKind } from '../../src/otlp/types';
import { Aggregator, byValue, type LinkResolver, type MapCounted } from './analysis/aggregate';
import { matches, type Filters } from './analysis/filters';
import { traceDetail } from './analysis/trace-detail';
import { summarize, traceView, type TraceView } from './analysis/trace-view';
import { CliError } from './errors';
import type { ServiceMap, Stats, TraceDetail, TraceSummary } from './model';
import type { Progress } from './progress';
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
  /** With `by`: `stats` of the traces with each value of the attribute, by value, and how many traces have none. */
  groups?: { byValue: Map<string, Stats>; without: number };
}

export interface AnalyzeOptions {
  filters?: Filters;
  /** Which traces to keep in full, with attributes, events and links. */
  detail?: (traceId: string) => boolean;
  progress?: Progress;
  /** `--bucket`: the timeline's step in milliseconds. */
  bucketMs?: number;
  /** `--by <attribute>`: split `stats` by the attribute's value (a trace is in the group of each value its spans have). */
  by?: string;
  /** Keep each trace's `key=value` facets for `each`. */
  facets?: boolean;
  /** Called with each trace that passes the filters, with its values of `by` and its facets. */
  each?: (view: TraceView, values: ReadonlySet<string>, facets: ReadonlySet<string>) => void;
  /** Shown each span the map counts (the report's index). */
  mapCounted?: MapCounted;
}

const NONE: ReadonlySet<string> = new Set();

/** Why nothing could be read, when nothing could. */
function nothingRead(source: Source, counts: ReadCounts): CliError {
  const where = counts.firstOrigin !== undefined ? ` (${counts.firstOrigin})` : '';
  if (counts.skippedRecords > 0)
    return new CliError(
      `nothing readable in ${source.description}: ${counts.skippedRecords} record(s) skipped, the first${where} because: ${counts.firstReason}`,
    );
  if (counts.skippedSpans > 0)
    return new CliError(
      `nothing readable in ${source.description}: ${counts.skippedSpans} span(s) skipped, the first${where} because: ${counts.firstReason}`,
    );
  return new CliError(`no spans in ${source.description}`);
}

/** Reads a source once and computes every view of it the commands print. */
export async function analyze(source: Source, options: AnalyzeOptions = {}): Promise<Analysis> {
  const filters = options.filters ?? {};
  const store = new SpanStore({
    ...(filters.query ? { query: filters.query } : {}),
    ...(options.detail ? { detail: options.detail } : {}),
    ...(options.by !== undefined ? { by: options.by } : {}),
    ...(options.facets ? { facets: true } : {}),
  });
  await readInto(source, store, options.progress);
  if (store.counts.spans === 0) throw nothingRead(source, store.counts);
  return analyzeSpans(store, options);
}

/** Spans read, grouped by trace: a source's records in a `SpanStore`, or the archive's rows arranged alike. */
export type ReadSpans = Pick<SpanStore, 'traces' | 'details' | 'values' | 'facets' | 'counts'>;

/** Every view the commands print of spans already read (the query's spansets evaluated as they were). */
export function analyzeSpans(store: ReadSpans, options: AnalyzeOptions = {}): Analysis {
  const filters = options.filters ?? {};
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
  const aggregate = (mapCounted?: MapCounted): Aggregator =>
    new Aggregator(resolve, (ref, service) => deliveries.has(`${ref}\0${service}`), options.bucketMs, mapCounted);
  const aggregator = aggregate(options.mapCounted);
  const groups = new Map<string, Aggregator>();
  let without = 0;
  const traces: TraceSummary[] = [];
  const details = new Map<string, TraceDetail>();
  for (const [traceId, spans] of store.traces) {
    const view = traceView(traceId, spans);
    if (!matches(filters, view)) continue;
    traces.push(summarize(view));
    aggregator.add(view);
    const values = store.values.get(traceId) ?? NONE;
    if (options.by !== undefined) {
      if (values.size === 0) without++;
      for (const value of values) {
        let group = groups.get(value);
        if (!group) groups.set(value, (group = aggregate()));
        group.add(view);
      }
    }
    options.each?.(view, values, store.facets.get(traceId) ?? NONE);
    if (store.details.has(traceId)) details.set(traceId, traceDetail(view, store.details.get(traceId), resolve));
  }
  traces.sort((a, b) =>
    a.startTime < b.startTime ? 1 : a.startTime > b.startTime ? -1 : a.traceId.localeCompare(b.traceId),
  );
  return {
    traces,
    stats: aggregator.stats(),
    map: aggregator.map(),
    details,
    counts: store.counts,
    ...(options.by !== undefined
      ? {
          groups: {
            byValue: new Map(
              [...groups].sort(([a], [b]) => byValue(a, b)).map(([value, group]) => [value, group.stats()]),
            ),
            without,
          },
        }
      : {}),
  };
}
