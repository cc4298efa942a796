import { context, trace, type Context, type SpanContext } from '@opentelemetry/api';
import { activeInvocation } from '../wrapper/active-invocation';

/**
 * The ids a log line carries to find its trace: OpenTelemetry's log data model's names.
 *
 * @example
 * ```typescript
 * import { traceLogFields, type TraceLogFields } from 'hoptrace';
 *
 * const fields: TraceLogFields | Record<string, never> = traceLogFields();
 * console.info(JSON.stringify({ message: 'charged', ...fields }));
 * ```
 */
export type TraceLogFields = {
  /** 32 lowercase hex digits. */
  trace_id: string;
  /** 16 lowercase hex digits: the span active when the line was written. */
  span_id: string;
};

/** The active span's context inside a traced invocation; undefined outside one. */
export function invocationSpanContext(ctx: Context = context.active()): SpanContext | undefined {
  return activeInvocation(ctx) ? trace.getSpanContext(ctx) : undefined;
}

/**
 * The trace and span a log line written now belongs to, inside a traced invocation; `{}`
 * outside one, so that it can be spread or merged into any logger's fields as is.
 *
 * @example
 * ```typescript
 * import pino from 'pino';
 * import { traceLogFields } from 'hoptrace';
 *
 * const logger = pino({ mixin: () => traceLogFields() });
 * ```
 *
 * @example
 * ```typescript
 * import winston from 'winston';
 * import { traceLogFields } from 'hoptrace';
 *
 * const withTrace = winston.format((info) => Object.assign(info, traceLogFields()));
 * const logger = winston.createLogger({ format: winston.format.combine(withTrace(), winston.format.json()) });
 * ```
 *
 * @example
 * ```typescript
 * import { Logger } from '@aws-lambda-powertools/logger';
 * import { traceLogFields } from 'hoptrace';
 *
 * // Powertools Logger replaces each line's whole record (key '') before writing it.
 * const logger = new Logger({
 *   jsonReplacerFn: (key, value) => (key === '' ? Object.assign({}, value, traceLogFields()) : value),
 * });
 * ```
 *
 * @param ctx - the context whose span the line belongs to; default: the active one
 */
export function traceLogFields(ctx: Context = context.active()): TraceLogFields | Record<string, never> {
  const span = invocationSpanContext(ctx);
  return span ? { trace_id: span.traceId, span_id: span.spanId } : {};
}
