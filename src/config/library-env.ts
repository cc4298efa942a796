// The library's variables, one export each, each call marked pure, so that a bundle keeps only
// those its entry reads (the `hoptrace/lambda` preload reads one).
// `@option` names the `withTracing` / `tracing` option that overrides the variable; `@default`
// describes a default the code computes. Rendered by `npm run render:env`.
import { DEFAULT_REDACT_KEYS, parseRedactKeys } from '../redaction';
import { SAMPLER_NAMES } from '../tracer/sampler';
import { secret, variable } from './env';
import { boolean, keyValues, names, nonNegative, oneOf, ratio, text } from './parsers';

export { logLevel } from './log-level';

/**
 * `service.name` of every span.
 * @option serviceName
 * @default `service.name` of `OTEL_RESOURCE_ATTRIBUTES`, else `AWS_LAMBDA_FUNCTION_NAME`, else the function name
 * in the first invocation's Lambda context
 */
export const serviceName = /* @__PURE__ */ variable(['OTEL_SERVICE_NAME'], text, undefined);

/**
 * Full URL spans are POSTed to.
 * @option endpoint
 * @default `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended
 */
export const tracesEndpoint = /* @__PURE__ */ variable(['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'], text, undefined);

/**
 * Base URL of the OTLP receiver; `/v1/traces` is appended.
 * @default none: spans are dropped with one warning
 */
export const endpoint = /* @__PURE__ */ variable(['OTEL_EXPORTER_OTLP_ENDPOINT'], text, undefined);

/**
 * Headers sent with each export (the ingest's API key goes here).
 * @option headers
 */
export const headers = /* @__PURE__ */ secret(
  /* @__PURE__ */ variable(['OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS'], keyValues, {}),
);

/**
 * Whether export bodies are gzipped.
 * @option compression
 */
export const compression = /* @__PURE__ */ variable(
  ['OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'OTEL_EXPORTER_OTLP_COMPRESSION'],
  /* @__PURE__ */ oneOf(['gzip', 'none']),
  'none',
);

/**
 * The longest one export request may take, in ms, within the flush budget.
 * @option requestTimeoutMs
 */
export const requestTimeoutMs = /* @__PURE__ */ variable(
  ['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT'],
  nonNegative,
  10_000,
);

/**
 * Which traces are recorded, decided at the root.
 * @option sampler
 */
export const sampler = /* @__PURE__ */ variable(
  ['OTEL_TRACES_SAMPLER'],
  /* @__PURE__ */ oneOf(SAMPLER_NAMES),
  'parentbased_always_on',
);

/**
 * Ratio of the `traceidratio` samplers.
 * @option samplerRatio
 */
export const samplerRatio = /* @__PURE__ */ variable(['OTEL_TRACES_SAMPLER_ARG'], ratio, 1);

/** Propagators, of `tracecontext`, `baggage`, `xray` and `none`; process-wide. */
export const propagators = /* @__PURE__ */ variable(['OTEL_PROPAGATORS'], names, ['tracecontext', 'baggage']);

/** Instrumentations left off: `http` (node:http/https), `undici` (fetch). */
export const disabledInstrumentations = /* @__PURE__ */ variable(['OTEL_NODE_DISABLED_INSTRUMENTATIONS'], names, []);

/**
 * Extra resource attributes.
 * @option resourceAttributes
 */
export const resourceAttributes = /* @__PURE__ */ variable(['OTEL_RESOURCE_ATTRIBUTES'], keyValues, {});

/**
 * `true` makes the wrapper a pass-through.
 * @option disabled
 */
export const disabled = /* @__PURE__ */ variable(['OTEL_SDK_DISABLED'], boolean, false);

/**
 * Attributes per span.
 * @option spanLimits.attributeCount
 */
export const attributeCount = /* @__PURE__ */ variable(
  ['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'],
  nonNegative,
  128,
);

/**
 * Characters per string value (OpenTelemetry: unlimited; one runaway value must not make a span unexportable).
 * @option spanLimits.attributeValueLength
 */
export const attributeValueLength = /* @__PURE__ */ variable(
  ['OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'],
  nonNegative,
  8192,
);

/**
 * Events per span.
 * @option spanLimits.eventCount
 */
export const eventCount = /* @__PURE__ */ variable(['OTEL_SPAN_EVENT_COUNT_LIMIT'], nonNegative, 128);

/**
 * Links per span.
 * @option spanLimits.linkCount
 */
export const linkCount = /* @__PURE__ */ variable(['OTEL_SPAN_LINK_COUNT_LIMIT'], nonNegative, 128);

/**
 * How long before the deadline the timeout guard ends open spans, in ms.
 * @option timeoutGuardMs
 */
export const timeoutGuardMs = /* @__PURE__ */ variable(['HOPTRACE_TIMEOUT_GUARD_MS'], nonNegative, 500);

/**
 * The flush budget: the most a flush adds to an invocation, in ms (OpenTelemetry's 10 s would bill every slow export).
 * @option flushTimeoutMs
 */
export const flushTimeoutMs = /* @__PURE__ */ variable(['HOPTRACE_FLUSH_TIMEOUT_MS'], nonNegative, 500);

/**
 * A flush never runs closer than this to the deadline, in ms.
 * @option flushMarginMs
 */
export const flushMarginMs = /* @__PURE__ */ variable(['HOPTRACE_FLUSH_MARGIN_MS'], nonNegative, 50);

/**
 * With `hoptrace/lambda` under frequent traffic, the batch is exported at most this often, in ms: how long a
 * span may wait.
 * @option exportIntervalMs
 */
export const exportIntervalMs = /* @__PURE__ */ variable(['HOPTRACE_EXPORT_INTERVAL_MS'], nonNegative, 1000);

/**
 * Spans recorded per invocation; more are counted and dropped.
 * @option maxSpansPerInvocation
 */
export const maxSpansPerInvocation = /* @__PURE__ */ variable(['HOPTRACE_MAX_SPANS'], nonNegative, 1000);

/**
 * Largest export request body, in bytes; bigger batches are split.
 * @option maxExportBytes
 */
export const maxExportBytes = /* @__PURE__ */ variable(['HOPTRACE_MAX_EXPORT_BYTES'], nonNegative, 1024 * 1024);

/**
 * Where undelivered spans wait for a later invocation of the sandbox.
 * @option spool.dir
 */
export const spoolDir = /* @__PURE__ */ variable(['HOPTRACE_SPOOL_DIR'], text, '/tmp/hoptrace-spool');

/**
 * The spool's size in bytes; 0 (or the option `spool: false`) turns it off.
 * @option spool.maxBytes
 */
export const spoolMaxBytes = /* @__PURE__ */ variable(['HOPTRACE_SPOOL_MAX_BYTES'], nonNegative, 10 * 1024 * 1024);

/**
 * Keys (matched by word) whose values are redacted; `none` turns redaction off.
 * @option redactKeys
 */
export const redactKeys = /* @__PURE__ */ variable(
  ['HOPTRACE_REDACT_KEYS'],
  { rule: 'comma-separated keys, or none', parse: parseRedactKeys },
  DEFAULT_REDACT_KEYS,
);

/**
 * `false` leaves `console.*` lines without `trace_id` and `span_id`; process-wide.
 * @option logCorrelation
 */
export const logCorrelation = /* @__PURE__ */ variable(['HOPTRACE_LOG_CORRELATION'], boolean, true);

/**
 * `false` stops baggage at the edge: never read from incoming requests or messages; process-wide.
 * @option acceptInboundBaggage
 */
export const acceptInboundBaggage = /* @__PURE__ */ variable(['HOPTRACE_ACCEPT_INBOUND_BAGGAGE'], boolean, true);
