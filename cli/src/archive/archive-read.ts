import { byEdge, byOperation, byService, byValue, edgeKey, type LinkResolver } from '../analysis/aggregate';
import { matches } from '../analysis/filters';
import { traceDetail } from '../analysis/trace-detail';
import { traceView } from '../analysis/trace-view';
import type { RootOf } from '../analysis/compare-traces';
import type { SideTrace } from '../analysis/compare-sides';
import { facetOf } from '../analysis/lift';
import type { ServiceMap, Stats, TraceDetail, TraceSummary, ViewData } from '../model';
import { withError, withValues } from '../query/with-values';
import { spansetBits } from '../query/evaluate';
import { compactFacts } from '../query/facts';
import { Flag, isCaller, kindNumber, type CompactSpan, type SpanDetail } from '../read/spans';
import { dependencyOf, type DependencyKind } from '../analysis/dependency';
import { rankedTraceIds } from '../analysis/examples';
import { histogramOf } from '../analysis/histogram';
import { byBucket } from '../analysis/timeline';
import { failureOf, noFailures, type Failure } from '../analysis/failure';
import { analyzeSpans, type ReadSpans } from '../analyze';
import { CliError } from '../errors';
import { reportData, type ReportReader } from '../report-data';
import type { PlainValue } from '../../../src/otlp/values';
import {
  failuresOfTracesStatement,
  sameRootStatement,
  SERVICE_SEPARATOR,
  spansOfNewestStatement,
  spansOfTracesStatement,
  summaryStatement,
  tracesStatement,
  valuesStatement,
  type Scope,
  type Statement,
} from './archive-sql';
import type { PlainRow } from './duckdb-table';
import { plainAttributes } from '../../../span-table/attribute-text';
import { HoptraceAttribute } from '../../../src/otlp/hoptrace-attributes';

// The commands' answers from the span table: the engine computes `traces`, `stats` and `map`
// (archive-sql.ts); `trace <id>` and the report's traces read only their own rows and go
// through the same in-memory trace analysis (critical path, tree order) as the other sources.

/** Where the SQL runs: DuckDB on local Parquet, or Athena. */
export interface ArchiveEngine {
  /** For messages and the report's header. */
  readonly description: string;
  select(statement: Statement): Promise<PlainRow[]>;
  close(): void;
}

type Value = PlainRow[string] | undefined;
const num = (value: Value): number => (value === null || value === undefined ? 0 : Number(value));
const text = (value: Value): string => (value === null || value === undefined ? '' : String(value));

type TextMap = Record<string, string>;

const parseJson = <T>(value: Value, empty: T): T =>
  value === null || value === undefined ? empty : (JSON.parse(String(value)) as T);
const own =
  (map: Record<string, PlainValue>) =>
  (key: string): PlainValue | undefined =>
    Object.hasOwn(map, key) ? map[key] : undefined;
const lookupIn = (map: TextMap | null) => (key: string) =>
  map !== null && Object.hasOwn(map, key) ? map[key] : undefined;

/** A failed span's row as `failureOf` reads it, as the in-memory read does. */
function rowFailure(row: PlainRow): Failure {
  const events = parseJson<Array<{ name: string; attributes: TextMap | null }>>(row.events, []);
  const message = text(row.status_message);
  return failureOf(
    message === '' ? undefined : message,
    lookupIn(parseJson<TextMap>(row.span_attributes, {})),
    events.map((e) => ({ name: e.name, attribute: lookupIn(e.attributes) })),
  );
}

/** The first failed span of each trace (by start, then span id), read for the listed traces only. */
async function firstFailures(
  engine: ArchiveEngine,
  scope: Scope,
  traceIds: readonly string[],
): Promise<Map<string, NonNullable<TraceSummary['error']>>> {
  const first = new Map<string, PlainRow>();
  if (traceIds.length > 0) {
    for (const row of await engine.select(failuresOfTracesStatement(scope, traceIds))) {
      const id = text(row.trace_id);
      const known = first.get(id);
      if (
        !known ||
        num(row.start_us) < num(known.start_us) ||
        (num(row.start_us) === num(known.start_us) && text(row.span_id) < text(known.span_id))
      )
        first.set(id, row);
    }
  }
  return new Map(
    [...first].map(([id, row]) => [
      id,
      { service: text(row.service_name), name: text(row.span_name), ...rowFailure(row) },
    ]),
  );
}

/** `traces`: the newest traces that pass the filters. */
export async function archiveTraces(engine: ArchiveEngine, scope: Scope, limit: number): Promise<TraceSummary[]> {
  const rows = await engine.select(tracesStatement(scope, limit));
  const failures = await firstFailures(
    engine,
    scope,
    rows.filter((row) => num(row.errors) > 0).map((row) => text(row.trace_id)),
  );
  return rows.map((row) => {
    const startUs = num(row.start_us);
    const hasRoot = num(row.has_root) > 0;
    return {
      traceId: text(row.trace_id),
      rootName: text(row.root_name),
      services: text(row.services).split(SERVICE_SEPARATOR).sort(),
      spanCount: num(row.span_count),
      durationMs: (num(row.end_us) - startUs) / 1000,
      errorCount: num(row.errors),
      coldStarts: num(row.cold_starts),
      startTime: new Date(startUs / 1000).toISOString(),
      rootDurationMs: hasRoot ? num(row.root_duration_us) / 1000 : null,
      rootMissing: !hasRoot,
      error: failures.get(text(row.trace_id)) ?? null,
    };
  });
}

const ms = (value: Value): number => num(value) / 1000;
const msOrNull = (value: Value): number | null => (value === null || value === undefined ? null : ms(value));
const section = (rows: readonly PlainRow[], name: string): PlainRow[] => rows.filter((row) => row.section === name);

/** The example trace ids of one row of `stats` (section `slowest`, `failed` or `cold`), best first. */
function examplesOf(rows: readonly PlainRow[], name: string, service: Value, operation: Value = ''): string[] {
  return rankedTraceIds(
    section(rows, name)
      .filter((r) => r.a === service && r.b === operation)
      .map((r) => ({ traceId: text(r.c), score: num(r.n) })),
  );
}

function statsOf(rows: readonly PlainRow[]): Stats {
  const traces = section(rows, 'traces')[0];
  return {
    operations: section(rows, 'op')
      .map((r) => {
        const buckets = new Map(
          section(rows, 'hist')
            .filter((h) => h.a === r.a && h.b === r.b)
            .map((h) => [Number(h.c), num(h.n)] as const),
        );
        return {
          service: text(r.a),
          name: text(r.b),
          count: num(r.n),
          errors: num(r.errors),
          p50Ms: ms(r.p50),
          p95Ms: ms(r.p95),
          p99Ms: ms(r.p99),
          histogram: histogramOf(buckets),
          slowestTraceIds: examplesOf(rows, 'slowest', r.a, r.b),
          failedTraceIds: examplesOf(rows, 'failed', r.a, r.b),
        };
      })
      .sort(byOperation),
    functions: section(rows, 'fn')
      .map((r) => ({
        service: text(r.a),
        invocations: num(r.n),
        coldStarts: num(r.errors),
        initP50Ms: msOrNull(r.p50),
        initP95Ms: msOrNull(r.p95),
        coldStartTraceIds: examplesOf(rows, 'cold', r.a),
      }))
      .sort(byService),
    traces: {
      count: num(traces?.n),
      withOrphans: num(traces?.errors),
      spansPerTrace: { p50: num(traces?.p50), p95: num(traces?.p95), max: num(traces?.p99) },
    },
    timeline: section(rows, 'timeline')
      .map((r) => ({
        start: new Date(Number(r.c) / 1000).toISOString(),
        service: text(r.a),
        name: text(r.b),
        count: num(r.n),
        errors: num(r.errors),
        p95Ms: ms(r.p95),
      }))
      .sort(byBucket),
  };
}

function mapOf(rows: readonly PlainRow[]): ServiceMap {
  return {
    nodes: [
      ...section(rows, 'node').map((r) => ({
        service: text(r.a),
        name: text(r.a),
        kind: 'service' as const,
        count: num(r.n),
        errors: num(r.errors),
        failures: noFailures(),
        p95Ms: ms(r.p95),
      })),
      ...section(rows, 'dependency').map((r) => ({
        service: text(r.a),
        name: text(r.b),
        kind: text(r.c) as DependencyKind,
        count: num(r.n),
        errors: num(r.errors),
        failures: noFailures(),
        p95Ms: ms(r.p95),
      })),
    ].sort(byService),
    edges: section(rows, 'edge')
      .map((r) => ({
        from: text(r.a),
        to: text(r.b),
        kind: r.c === 'async' ? ('async' as const) : ('sync' as const),
        count: num(r.n),
        errors: num(r.errors),
        failures: noFailures(),
        p95Ms: ms(r.p95),
      }))
      .sort(byEdge),
  };
}

/** `stats` of the traces that pass the filters. */
export async function archiveStats(engine: ArchiveEngine, scope: Scope): Promise<Stats> {
  return statsOf(await engine.select(summaryStatement(scope, ['stats'])));
}

/** `map` of the traces that pass the filters. */
export async function archiveMap(engine: ArchiveEngine, scope: Scope): Promise<ServiceMap> {
  return withFailureSplit(engine, scope, mapOf(await engine.select(summaryStatement(scope, ['map']))));
}

/**
 * The map's failures by class, as the in-memory map counts them (the class is read from a
 * failed span's message, exception and HTTP status, and an element's spans from its trace's
 * tree): that map of the traces with a failed span, read from their rows.
 */
async function withFailureSplit(engine: ArchiveEngine, scope: Scope, map: ServiceMap): Promise<ServiceMap> {
  const failing: Scope = { ...scope, filters: { ...scope.filters, query: withError(scope.filters.query) } };
  const spans = await readSpans(engine, failing);
  const split =
    spans.traces.size > 0 ? analyzeSpans(spans, { filters: failing.filters }).map : { nodes: [], edges: [] };
  const nodes = new Map(split.nodes.map((n) => [n.service, n.failures]));
  const edges = new Map(split.edges.map((e) => [edgeKey(e), e.failures]));
  return {
    nodes: map.nodes.map((n) => ({ ...n, failures: nodes.get(n.service) ?? noFailures() })),
    edges: map.edges.map((e) => ({ ...e, failures: edges.get(edgeKey(e)) ?? noFailures() })),
  };
}

/** Every span of the traces in scope, arranged as the in-memory read holds them (no details). */
async function readSpans(engine: ArchiveEngine, scope: Scope): Promise<ReadSpans> {
  const rows = await engine.select(spansOfNewestStatement(scope));
  const traces = new Map([...spansByTrace(rows, scope.filters.query, false)].map(([id, { compact }]) => [id, compact]));
  return {
    traces,
    details: new Map(),
    values: new Map(),
    facets: new Map(),
    counts: { records: 0, spans: rows.length, duplicates: 0, skippedRecords: 0, skippedSpans: 0 },
  };
}

/** `YYYY-MM-DD HH:MM:SS[.fraction]` (UTC, as the engines print a timestamp in JSON) as whole microseconds. */
function timestampMicros(value: string): number {
  const [whole, fraction = ''] = value.replace(' ', 'T').split('.');
  return Date.parse(`${whole}Z`) * 1000 + Math.floor(Number(fraction.padEnd(9, '0').slice(0, 9)) / 1000);
}

interface Spans {
  compact: Map<string, CompactSpan>;
  details: Map<string, SpanDetail>;
}

/** One trace's rows as the in-memory analysis holds them, by trace id (without `inFull`, no details). */
function spansByTrace(rows: readonly PlainRow[], query: Scope['filters']['query'], inFull = true): Map<string, Spans> {
  const traces = new Map<string, Spans>();
  for (const row of rows) {
    const traceId = text(row.trace_id);
    let trace = traces.get(traceId);
    if (!trace) traces.set(traceId, (trace = { compact: new Map(), details: new Map() }));
    const attributes = plainAttributes(parseJson<TextMap>(row.span_attributes, {}));
    const resource = plainAttributes(parseJson<TextMap>(row.resource_attributes, {}));
    const events = parseJson<Array<{ time: string; name: string; attributes: TextMap | null }>>(row.events, []);
    const links = parseJson<Array<{ trace_id: string; span_id: string; attributes: TextMap | null }>>(row.links, []);
    let flags = row.status_code === 'Error' ? Flag.Error : row.status_code === 'Ok' ? Flag.Ok : 0;
    if ('faas.coldstart' in attributes)
      flags |= Flag.Invocation | (attributes['faas.coldstart'] === 'true' ? Flag.Cold : 0);
    if (HoptraceAttribute.InitType in attributes) flags |= Flag.Init;
    const spanId = text(row.span_id);
    const startUs = num(row.start_us);
    const kind = kindNumber(text(row.span_kind));
    const compact: CompactSpan = {
      spanId,
      parentSpanId: text(row.parent_span_id) || undefined,
      service: text(row.service_name),
      name: text(row.span_name),
      kind,
      startUs,
      endUs: Math.max(num(row.end_us), startUs),
      flags,
      dependency: isCaller(kind) ? dependencyOf(own(attributes)) : undefined,
      failure: flags & Flag.Error ? rowFailure(row) : undefined,
      links: links.length > 0 ? links.map((l) => `${l.trace_id}/${l.span_id}`) : undefined,
      spansets: 0,
    };
    if (query)
      compact.spansets = spansetBits(
        query,
        compactFacts(compact, own(attributes), own(resource), () =>
          events.map((e) => ({ name: e.name, attribute: own(plainAttributes(e.attributes)) })),
        ),
      );
    trace.compact.set(spanId, compact);
    if (!inFull) continue;
    const message = text(row.status_message);
    trace.details.set(spanId, {
      ...(message !== '' ? { statusMessage: message } : {}),
      attributes,
      resource,
      events: events.map((e) => ({
        timeMs: timestampMicros(e.time) / 1000,
        name: e.name,
        attributes: plainAttributes(e.attributes),
      })),
      links: links.map((l) => ({ traceId: l.trace_id, spanId: l.span_id, attributes: plainAttributes(l.attributes) })),
    });
  }
  return traces;
}

/** Full traces from their rows, links resolved against them and, one more read, the traces they link to. */
async function detailsOf(
  engine: ArchiveEngine,
  scope: Scope,
  rows: readonly PlainRow[],
): Promise<Map<string, { detail: TraceDetail; passes: boolean }>> {
  const traces = spansByTrace(rows, scope.filters.query);
  const elsewhere = new Set<string>();
  for (const { compact } of traces.values()) {
    for (const span of compact.values())
      for (const ref of span.links ?? [])
        if (!traces.has(ref.slice(0, ref.indexOf('/')))) elsewhere.add(ref.slice(0, ref.indexOf('/')));
  }
  const linked =
    elsewhere.size > 0
      ? spansByTrace(await engine.select(spansOfTracesStatement(scope, [...elsewhere])), undefined)
      : new Map<string, Spans>();
  const resolve: LinkResolver = (ref) => {
    const slash = ref.indexOf('/');
    const traceId = ref.slice(0, slash);
    return (traces.get(traceId) ?? linked.get(traceId))?.compact.get(ref.slice(slash + 1));
  };
  const out = new Map<string, { detail: TraceDetail; passes: boolean }>();
  for (const [traceId, { compact, details }] of traces) {
    const view = traceView(traceId, compact);
    out.set(traceId, { detail: traceDetail(view, details, resolve), passes: matches(scope.filters, view) });
  }
  return out;
}

/** `trace <id>`: only that trace's rows are read; undefined when it is not there or does not pass the filters. */
export async function archiveTrace(
  engine: ArchiveEngine,
  scope: Scope,
  traceId: string,
): Promise<TraceDetail | undefined> {
  const rows = await engine.select(spansOfTracesStatement(scope, [traceId]));
  const found = (await detailsOf(engine, scope, rows)).get(traceId);
  return found?.passes ? found.detail : undefined;
}

// Ids a statement names at most: the report's traces in full are read in slices of this many.
const IDS_PER_READ = 1000;

/** The span table as a report's reader: the same report as from record files (report-data.ts). */
export function archiveReader(engine: ArchiveEngine, scope: Scope): ReportReader {
  return {
    description: engine.description,
    async analyze(options) {
      const spans = await readSpans(engine, scope);
      if (spans.traces.size === 0)
        throw new CliError(`no spans in ${engine.description}${scope.filters.query ? ' that pass the query' : ''}`);
      return analyzeSpans(spans, {
        filters: scope.filters,
        ...options,
        ...(scope.bucketMs !== undefined ? { bucketMs: scope.bucketMs } : {}),
      });
    },
    async details(ids) {
      const list = [...ids];
      const out = new Map<string, TraceDetail>();
      for (let at = 0; at < list.length; at += IDS_PER_READ) {
        const rows = await engine.select(spansOfTracesStatement(scope, list.slice(at, at + IDS_PER_READ)));
        for (const [id, { detail }] of await detailsOf(engine, scope, rows)) out.set(id, detail);
      }
      return out;
    },
  };
}

/** What one HTML report of the span table shows: as from record files. */
export const archiveViewData = (engine: ArchiveEngine, scope: Scope, limit: number): Promise<ViewData> =>
  reportData(archiveReader(engine, scope), limit);

/** `compare <trace>`: the traces whose root is the same service and operation as `traceId`'s, with their root's duration. */
export async function archiveSameRoot(engine: ArchiveEngine, scope: Scope, traceId: string): Promise<RootOf[]> {
  const rows = await engine.select(sameRootStatement(scope, traceId));
  return rows.map((r) => ({
    traceId: text(r.trace_id),
    service: text(r.root_service),
    name: text(r.root_name),
    durationMs: ms(r.root_duration_us),
  }));
}

/** `stats --by`: the stats of the traces with each value of the attribute, by value (sorted), and how many traces have none. */
export async function archiveStatsBy(
  engine: ArchiveEngine,
  scope: Scope,
  key: string,
): Promise<{ byValue: Map<string, Stats>; without: number }> {
  const rows = await engine.select(valuesStatement(scope, key));
  const values = rows
    .filter((r) => r.value !== null && r.value !== undefined)
    .map((r) => text(r.value))
    .sort(byValue);
  const groups = new Map<string, Stats>();
  for (const value of values)
    groups.set(
      value,
      await archiveStats(engine, {
        ...scope,
        filters: { ...scope.filters, query: withValues(scope.filters.query, key, [value]) },
      }),
    );
  return { byValue: groups, without: num(rows.find((r) => r.value === null || r.value === undefined)?.traces) };
}

/** `compare --by`: every trace with the attribute at one of `values`, read in full and arranged as the in-memory read arranges it. */
export async function archiveSideTraces(
  engine: ArchiveEngine,
  scope: Scope,
  key: string,
  values: readonly string[],
): Promise<SideTrace[]> {
  const sides = { ...scope, filters: { ...scope.filters, query: withValues(scope.filters.query, key, values) } };
  const traces = spansByTrace(await engine.select(spansOfNewestStatement(sides)), undefined);
  return [...traces].map(([traceId, { compact, details }]) => {
    const found = new Set<string>();
    const facets = new Set<string>();
    for (const detail of details.values()) {
      const value = Object.hasOwn(detail.attributes, key)
        ? detail.attributes[key]
        : Object.hasOwn(detail.resource, key)
          ? detail.resource[key]
          : undefined;
      if (value !== undefined) found.add(String(value));
      for (const map of [detail.attributes, detail.resource])
        for (const [k, v] of Object.entries(map)) facets.add(facetOf(k, v));
    }
    return { view: traceView(traceId, compact), values: found, facets };
  });
}
