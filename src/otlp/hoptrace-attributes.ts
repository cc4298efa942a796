// Every `hoptrace.*` attribute name, in one file, as OpenTelemetry's semantic conventions keep
// theirs: the library, the handlers and the command import them from here and spell none
// themselves. A `const enum` because esbuild inlines its members across modules (it keeps an
// exported string `const` as a variable, which grew the Lambda bundle): a bundle carries only
// the names it uses, each written where it is used, as a literal would be.

export const enum HoptraceAttribute {
  // Resource attributes the ingest stamps on a stream record.

  /**
   * The tenant whose key sent the spans. The ingest stamps it on the resource and removes it
   * everywhere else; readers take it from the resource only.
   */
  Tenant = 'hoptrace.tenant',
  /**
   * When the ingest received the request the record's spans came in, nanoseconds since the
   * epoch (an int). Records written before the ingest stamped it have none; readers take it as unknown.
   */
  ReceivedTime = 'hoptrace.received_time_unix_nano',

  // Resource attributes the exporter stamps on each export, for the ingest to count.

  /** Prefix of the exporter's per-export stamps; the ingest reads them and removes them from what it stores. */
  ExportPrefix = 'hoptrace.export.',
  /** How many spans of this resource the exporter put in this request. */
  ExportSpans = 'hoptrace.export.spans',
  /**
   * The exporter's trouble since the export before it was encoded: spans a failed delivery left
   * in the spool, spans it dropped, times its circuit breaker opened. Absent: none.
   */
  ExportSpansSpooled = 'hoptrace.export.spans_spooled',
  ExportSpansDropped = 'hoptrace.export.spans_dropped',
  ExportBreakerOpens = 'hoptrace.export.breaker_opens',

  // Span attributes the wrapper sets.

  /** On the root span of an invocation whose sandbox Lambda initialised ahead of demand. */
  ProactiveInitialization = 'hoptrace.proactive_initialization',
  /** On the root span: spans the spool had to drop in this sandbox so far (full, or unwritable). */
  SpoolDroppedSpans = 'hoptrace.spool.dropped_spans',
  /** On the `init` span of a cold start: the sandbox's initialization type. Readers find init spans by it. */
  InitType = 'hoptrace.init_type',
  /** On the root span: spans not recorded because the invocation went over its span cap. */
  SpansDropped = 'hoptrace.spans_dropped',
  /** On a span still open when its invocation ended, which the wrapper then ended. */
  Unfinished = 'hoptrace.unfinished',
  /**
   * Marks a span exported before it ended: the timeout guard's copy of a span still open when
   * Lambda may cut the invocation off. If the span really ends, it is exported again under the
   * same (traceId, spanId) without the mark; a reader that de-duplicates keeps that one.
   */
  Provisional = 'hoptrace.provisional',

  // Span attributes the AWS SDK instrumentation sets.

  /** On the span whose context a message was to carry: the propagation fields left out. */
  ContextDropped = 'hoptrace.context.dropped',
  /** Why they were left out. */
  ContextDropReason = 'hoptrace.context.drop_reason',

  // Set by the pipeline's consumers.

  /** On a span the tail sampler forwards: how many spans it stands for (1 / the probability its trace was kept). */
  SamplingAdjustedCount = 'hoptrace.sampling.adjusted_count',
  /** Span table: says how a row was cut to fit (which limits applied and what was dropped). */
  Truncated = 'hoptrace.truncated',
  /**
   * Span table: the entry of an attribute map that names the keys whose text is an AnyValue's
   * (docs/pipeline/archive.md, "Columns").
   */
  AnyValueTypes = 'hoptrace.anyvalue',
  /** Span table: set on a row whose start time was outside the sane window, the start time as sent. */
  SentStartTime = 'hoptrace.sent_start_time_unix_nano',
}

/**
 * The attributes `hoptrace/durable` sets; the execution's ARN is on every span it records. An
 * object of literals, not enum members: it is that entry's public API, and its declared type
 * must read as the strings.
 *
 * @example
 * ```typescript
 * import { DURABLE_ATTRIBUTES } from 'hoptrace/durable';
 *
 * const query = `{ span.${DURABLE_ATTRIBUTES.executionArn} = "${executionArn}" }`;
 * ```
 */
export const DURABLE_ATTRIBUTES = {
  executionArn: 'hoptrace.durable.execution_arn',
  firstInvocation: 'hoptrace.durable.first_invocation',
  replayedOperations: 'hoptrace.durable.replayed_operations',
  operationId: 'hoptrace.durable.operation_id',
  operationType: 'hoptrace.durable.operation_type',
  operationSubtype: 'hoptrace.durable.operation_subtype',
  attempt: 'hoptrace.durable.attempt',
  status: 'hoptrace.durable.status',
} as const;
