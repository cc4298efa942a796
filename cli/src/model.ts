// What the read side computes from spans. The shapes marked "contract" are what `--json`
// prints (docs/contracts.md, "The hoptrace command"): fields may be added, never removed or renamed.
// The HTML viewer is rendered from one ViewData.

/** A span's outcome as readers show it. */
export type SpanStatus = 'ok' | 'error' | 'unset';

/** A plain attribute value, as `src/otlp/values` decodes it. */
export type { PlainValue } from '../../src/otlp/values';
import type { PlainValue } from '../../src/otlp/values';

/** `traces --json`, one row a trace (contract). */
export interface TraceSummary {
  traceId: string;
  rootName: string;
  services: string[];
  spanCount: number;
  durationMs: number;
  errorCount: number;
  coldStarts: number;
  /** ISO 8601, the trace's earliest span start. */
  startTime: string;
  /** The root span's own duration (the response time), null when the root never arrived. */
  rootDurationMs: number | null;
  /** The root never arrived: the trace is listed under its first orphan's name. */
  rootMissing: boolean;
  /** The first failed span, by start time, or null. */
  error: {
    service: string;
    name: string;
    message: string | null;
    type: string | null;
    httpStatus: number | null;
  } | null;
}

/** One span of `trace <id> --json` (contract fields first). */
export interface TraceSpan {
  spanId: string;
  parentSpanId?: string;
  service: string;
  name: string;
  /** From the trace's start. */
  startMs: number;
  durationMs: number;
  status: SpanStatus;
  /** On the critical path. */
  critical: boolean;
  kind: 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  statusMessage?: string;
  attributes: Record<string, PlainValue>;
  resource: Record<string, PlainValue>;
  /** `timeMs` from the trace's start. */
  events: Array<{ timeMs: number; name: string; attributes: Record<string, PlainValue> }>;
  /** The linked span's service and name when it was read too (batch consumers link to their producers). */
  links: Array<{
    traceId: string;
    spanId: string;
    attributes: Record<string, PlainValue>;
    service?: string;
    name?: string;
  }>;
  /** Reached across an asynchronous hop: a consumer, or the child of a producer. */
  async?: boolean;
  /** `trace <id> --depth N`: the descendants of this span (on the last level shown) left out. */
  hiddenBelow?: number;
}

/** `trace <id> --json` (contract). */
export interface TraceDetail {
  traceId: string;
  durationMs: number;
  /** ISO 8601, the earliest span's start. */
  startTime?: string;
  spans: TraceSpan[];
  /** Spans whose parent was never received. */
  orphans: string[];
}

/** `stats --json` (contract). */
export interface Stats {
  /**
   * `histogram`: log-scaled buckets (`leMs` the upper bound, null for the last), counts adding up to `count`.
   * `slowestTraceIds`: the traces of the operation's slowest spans; `failedTraceIds`: of its latest failures (a few each, best first).
   */
  operations: Array<{
    service: string;
    name: string;
    count: number;
    errors: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
    histogram: Array<{ leMs: number | null; count: number }>;
    slowestTraceIds: string[];
    failedTraceIds: string[];
  }>;
  /** `coldStartTraceIds`: the traces of the function's latest cold starts (a few, newest first). */
  functions: Array<{
    service: string;
    invocations: number;
    coldStarts: number;
    initP50Ms: number | null;
    initP95Ms: number | null;
    coldStartTraceIds: string[];
  }>;
  traces: { count: number; withOrphans: number; spansPerTrace?: { p50: number; p95: number; max: number } };
  /** Per operation and time bucket (`start` ISO 8601, the bucket's start), by start, service, name. */
  timeline: Array<{ start: string; service: string; name: string; count: number; errors: number; p95Ms: number }>;
}

/** `map --json` (contract). */
export interface ServiceMap {
  /**
   * `service` is the node's id: the service's name, or `kind:name` for a dependency (a
   * table, queue, topic, bus, bucket, other AWS service or external host) that client and
   * producer spans call. `count` is requests served for a service, calls for a dependency.
   * `failures` splits `errors` into throttles, 4xx and 5xx where the failed spans say which.
   */
  nodes: Array<{
    service: string;
    name: string;
    kind: 'service' | 'database' | 'queue' | 'topic' | 'bus' | 'bucket' | 'aws' | 'external';
    count: number;
    errors: number;
    failures: FailureSplit;
    p95Ms: number;
  }>;
  edges: Array<{
    from: string;
    to: string;
    kind: 'sync' | 'async';
    count: number;
    errors: number;
    failures: FailureSplit;
    p95Ms: number;
  }>;
}

/** Failed spans told apart where they say so (HTTP status, throttling error codes); the rest of `errors` said nothing of their class. */
export interface FailureSplit {
  throttle: number;
  '4xx': number;
  '5xx': number;
}

/** What the report knows of one map node or edge beyond `map`. */
export interface MapElementIndex {
  /** The listed traces it counts a span of, as indexes into `ViewData.traces`. */
  traces: number[];
  /** Its counted spans' durations, log-scaled as `stats` histograms are. */
  histogram: Array<{ leMs: number | null; count: number }>;
}

/** The report's links from aggregates to examples (the page's own: no command prints it). */
export interface ReportIndex {
  /** Per operation of `stats`: its slowest listed traces (slowest first) and its newest failed ones. */
  operations: Array<{ service: string; name: string; slowest: string[]; failed: string[] }>;
  /** Per function: its newest listed cold starts. */
  functions: Array<{ service: string; coldStarts: string[] }>;
  nodes: Array<MapElementIndex & { service: string }>;
  edges: Array<MapElementIndex & { from: string; to: string; kind: 'sync' | 'async' }>;
  /**
   * Each listed trace held as a summary only (not in `details`): per operation among its spans,
   * its position in `operations` and its longest span there (ms), flat as [operation, ms, …].
   * The list's service, span-name and minimum-duration filters ask one span for all three, as
   * the command's flags do, and the longest span of an operation meets them when any does.
   */
  spanOperations: Record<string, number[]>;
  /**
   * Those of them with a cold start (a span with `faas.coldstart` true): per operation with
   * one, its longest cold span (ms), as `spanOperations`, for the cold-starts filter, which
   * asks it of the same span. Their failures need nothing of the kind: a trace with a failed
   * span is held in full (report-detail.ts).
   */
  coldOperations: Record<string, number[]>;
  /**
   * Per listed trace, in the order of `traces`: its root's position in `operations`, -1 when
   * the root never arrived; with the root's duration (`rootDurationMs`), what the trace view's
   * compare needs to pick the operation's typical trace as `compare <trace>` does.
   */
  roots: number[];
}

/** Everything one HTML report shows: written into the page as JSON, read by the viewer. */
export interface ViewData {
  /** ISO 8601. */
  generatedAt: string;
  /** What was read, for the page's header (for example `stream orders-traces`). */
  source: string;
  /** Newest first. */
  traces: TraceSummary[];
  /** Listed traces held in full, by trace id: all of them, or (with `index`) those that need it. */
  details: Record<string, TraceDetail>;
  stats: Stats;
  map: ServiceMap;
  /** Records that could not be read and were skipped, with the first reason. */
  skipped: { records: number; firstReason?: string; firstOrigin?: string; spans?: number };
  /** Spans delivered more than once and dropped (delivery into the stream is at least once). */
  duplicates?: number;
  /** From aggregates to example traces, the map's elements, and what the filters ask of the traces not held in full; every report the command writes has one, a report of the span table too. Data without one shows no example links and filters only the traces it holds in full. */
  index?: ReportIndex;
}
