import type { Attributes, Context } from '@opentelemetry/api';
import type { SpanLimits } from '../tracer/limits';
import type { SamplerName } from '../tracer/sampler';
import { str } from '../guards';
import type { LambdaContext } from '../wrapper/lambda-context';
import { parseRedactKeys } from '../redaction';
import { readVariable, warnOnce, type Env, type Variable } from './env';
import * as ENV from './library-env';

/**
 * Options of `withTracing` and `tracing`; each overrides its environment variable, and
 * what neither sets takes its default.
 *
 * @example
 * ```typescript
 * import { withTracing, type TracingOptions } from 'hoptrace';
 *
 * const options: TracingOptions = {
 *   serviceName: 'orders',
 *   endpoint: 'https://ingest.example.com/v1/traces',
 *   headers: { 'x-api-key': process.env.INGEST_KEY ?? '' },
 *   compression: 'gzip',
 * };
 * export const handler = withTracing(handle, options);
 * ```
 */
export interface TracingOptions {
  /**
   * `service.name` of every span. Env: `OTEL_SERVICE_NAME`, else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`.
   * @default the function name (`AWS_LAMBDA_FUNCTION_NAME`, else the Lambda context's)
   */
  serviceName?: string;
  /**
   * Full URL spans are POSTed to. Env: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or
   * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`.
   * @default none: spans are dropped, with one warning
   */
  endpoint?: string;
  /**
   * Headers sent with every export (the ingest API key). Env: `OTEL_EXPORTER_OTLP_TRACES_HEADERS`,
   * `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`); these are added to the environment's.
   * @default `{}`
   */
  headers?: Record<string, string>;
  /**
   * Request body compression. Env: `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION`, `OTEL_EXPORTER_OTLP_COMPRESSION`.
   * @default `'none'`
   */
  compression?: 'gzip' | 'none';
  /**
   * Env: `OTEL_TRACES_SAMPLER`.
   * @default `'parentbased_always_on'`
   */
  sampler?: SamplerName;
  /**
   * Ratio of traces the `traceidratio` samplers keep, 0 to 1. Env: `OTEL_TRACES_SAMPLER_ARG`.
   * @default 1
   */
  samplerRatio?: number;
  /**
   * Extra resource attributes; these are added to the environment's. Env: `OTEL_RESOURCE_ATTRIBUTES`.
   * @default `{}`
   */
  resourceAttributes?: Attributes;
  /**
   * Longest a flush may add to an invocation, in ms. Env: `HOPTRACE_FLUSH_TIMEOUT_MS`.
   * @default 500
   */
  flushTimeoutMs?: number;
  /**
   * Longest one export request may take, in ms, within the flush budget (OpenTelemetry's
   * meaning). Env: `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, `OTEL_EXPORTER_OTLP_TIMEOUT`.
   * @default 10000
   */
  requestTimeoutMs?: number;
  /**
   * A flush never runs closer than this to the Lambda deadline, in ms. Env: `HOPTRACE_FLUSH_MARGIN_MS`.
   * @default 50
   */
  flushMarginMs?: number;
  /**
   * The timeout guard ends open spans this long before the deadline, in ms. Env: `HOPTRACE_TIMEOUT_GUARD_MS`.
   * @default 500
   */
  timeoutGuardMs?: number;
  /**
   * With hoptrace/lambda, under frequent traffic, the sandbox's batch is exported at most this
   * often, in ms: how long a span may wait before it leaves. Env: `HOPTRACE_EXPORT_INTERVAL_MS`.
   * @default 1000
   */
  exportIntervalMs?: number;
  /**
   * Spans recorded per invocation at most; more are counted and dropped. Env: `HOPTRACE_MAX_SPANS`.
   * @default 1000
   */
  maxSpansPerInvocation?: number;
  /**
   * Largest export request body, in bytes; bigger batches are split. Env: `HOPTRACE_MAX_EXPORT_BYTES`.
   * @default 1048576 (1 MiB)
   */
  maxExportBytes?: number;
  /**
   * Span limits, each defaulted alone; see {@link SpanLimits}. Env: `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`,
   * `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`, `OTEL_SPAN_EVENT_COUNT_LIMIT`, `OTEL_SPAN_LINK_COUNT_LIMIT`.
   * @default `{ attributeCount: 128, attributeValueLength: 8192, eventCount: 128, linkCount: 128 }`
   */
  spanLimits?: Partial<SpanLimits>;
  /**
   * Where spans that could not be delivered wait for a later invocation of the sandbox, and
   * how many bytes it may hold; `false` turns it off. Env: `HOPTRACE_SPOOL_DIR`,
   * `HOPTRACE_SPOOL_MAX_BYTES` (0 turns it off).
   * @default `{ dir: '/tmp/hoptrace-spool', maxBytes: 10485760 }` (10 MiB)
   */
  spool?: { dir?: string; maxBytes?: number } | false;
  /**
   * Key substrings whose attribute values are replaced by `[REDACTED]` before they are
   * recorded; `[]` turns redaction off. Env: `HOPTRACE_REDACT_KEYS` (comma-separated, or `none`).
   * @default `['password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'auth', 'authorization', 'apikey',
   *   'accesskey', 'privatekey', 'connectionstring', 'cookie', 'credential', 'credentials', 'jwt', 'signature']`
   */
  redactKeys?: string[];
  /**
   * `true` makes the wrapper a pass-through. Env: `OTEL_SDK_DISABLED`.
   * @default false
   */
  disabled?: boolean;
  /**
   * `false` stops baggage at the edge: it is never read from incoming requests or messages
   * (an internet caller's up to 8 KB would otherwise go out with every call); baggage your
   * code sets still propagates. Process-wide. Env: `HOPTRACE_ACCEPT_INBOUND_BAGGAGE`.
   * @default true
   */
  acceptInboundBaggage?: boolean;
  /**
   * `console.*` lines written inside an invocation carry `trace_id` and `span_id` (fields of
   * Lambda's JSON log lines, a prefix of its text ones). Process-wide. Env: `HOPTRACE_LOG_CORRELATION`.
   * @default true
   */
  logCorrelation?: boolean;
  /**
   * Where an invocation's trace continues from when its event carries the caller's context
   * where hoptrace does not look (a field of a custom payload, a durable execution's
   * checkpointed input). A context holding a valid span context becomes the root span's
   * parent; `undefined` leaves the choice to hoptrace's own reading of the event. A throw is
   * logged and treated as `undefined`.
   * @default none: hoptrace reads the event's own carriers (HTTP headers, message attributes)
   *
   * @example
   * ```typescript
   * import { propagation, ROOT_CONTEXT } from '@opentelemetry/api';
   * import { withTracing } from 'hoptrace';
   *
   * type Traced = { trace?: Record<string, string> };
   * export const handler = withTracing(handle, {
   *   extractContext: (event) => propagation.extract(ROOT_CONTEXT, (event as Traced).trace ?? {}),
   * });
   * ```
   */
  extractContext?: (event: unknown, context: LambdaContext | undefined) => Context | undefined;
}

const read = <T>(env: Env, v: Variable<T>): T => readVariable(env, v, warnOnce);

export interface TracingConfig {
  disabled: boolean;
  /** Undefined when nothing names the service: the Lambda context's function name then does. */
  serviceName: string | undefined;
  endpoint: string | undefined;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  sampler: SamplerName;
  samplerRatio: number;
  propagators: string[];
  acceptInboundBaggage: boolean;
  /** Instrumentations to leave off (`http`, `undici`), from `OTEL_NODE_DISABLED_INSTRUMENTATIONS`. */
  disabledInstrumentations: string[];
  resourceAttributes: Attributes;
  flushTimeoutMs: number;
  requestTimeoutMs: number;
  flushMarginMs: number;
  timeoutGuardMs: number;
  exportIntervalMs: number;
  maxSpansPerInvocation: number;
  maxExportBytes: number;
  spanLimits: SpanLimits;
  spool: { dir: string; maxBytes: number } | undefined;
  redactKeys: readonly string[];
  logCorrelation: boolean;
  extractContext: TracingOptions['extractContext'];
}

/** `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
function tracesEndpoint(env: Env): string | undefined {
  const base = read(env, ENV.endpoint);
  return read(env, ENV.tracesEndpoint) ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
}

function resolveSpool(options: TracingOptions, env: Env): TracingConfig['spool'] {
  if (options.spool === false) return undefined;
  const maxBytes = options.spool?.maxBytes ?? read(env, ENV.spoolMaxBytes);
  if (maxBytes <= 0) return undefined;
  return { dir: options.spool?.dir ?? read(env, ENV.spoolDir), maxBytes };
}

/** Merges options over environment over defaults. Pure: reads only `env`. */
export function resolveConfig(options: TracingOptions, env: Env): TracingConfig {
  const resourceAttributes: Attributes = { ...read(env, ENV.resourceAttributes), ...options.resourceAttributes };
  const limits = options.spanLimits;
  return {
    disabled: options.disabled ?? read(env, ENV.disabled),
    serviceName:
      options.serviceName ??
      read(env, ENV.serviceName) ??
      (typeof resourceAttributes['service.name'] === 'string' ? resourceAttributes['service.name'] : undefined) ??
      str(env.AWS_LAMBDA_FUNCTION_NAME?.trim()),
    endpoint: options.endpoint ?? tracesEndpoint(env),
    headers: { ...read(env, ENV.headers), ...options.headers },
    compression: options.compression ?? read(env, ENV.compression),
    sampler: options.sampler ?? read(env, ENV.sampler),
    samplerRatio: options.samplerRatio ?? read(env, ENV.samplerRatio),
    propagators: read(env, ENV.propagators),
    acceptInboundBaggage: options.acceptInboundBaggage ?? read(env, ENV.acceptInboundBaggage),
    disabledInstrumentations: read(env, ENV.disabledInstrumentations),
    resourceAttributes,
    flushTimeoutMs: options.flushTimeoutMs ?? read(env, ENV.flushTimeoutMs),
    requestTimeoutMs: options.requestTimeoutMs ?? read(env, ENV.requestTimeoutMs),
    flushMarginMs: options.flushMarginMs ?? read(env, ENV.flushMarginMs),
    timeoutGuardMs: options.timeoutGuardMs ?? read(env, ENV.timeoutGuardMs),
    exportIntervalMs: options.exportIntervalMs ?? read(env, ENV.exportIntervalMs),
    maxSpansPerInvocation: options.maxSpansPerInvocation ?? read(env, ENV.maxSpansPerInvocation),
    maxExportBytes: options.maxExportBytes ?? read(env, ENV.maxExportBytes),
    spanLimits: {
      attributeCount: limits?.attributeCount ?? read(env, ENV.attributeCount),
      attributeValueLength: limits?.attributeValueLength ?? read(env, ENV.attributeValueLength),
      eventCount: limits?.eventCount ?? read(env, ENV.eventCount),
      linkCount: limits?.linkCount ?? read(env, ENV.linkCount),
    },
    spool: resolveSpool(options, env),
    logCorrelation: options.logCorrelation ?? read(env, ENV.logCorrelation),
    extractContext: options.extractContext,
    redactKeys: options.redactKeys
      ? parseRedactKeys(options.redactKeys.join(',') || 'none')
      : read(env, ENV.redactKeys),
  };
}
