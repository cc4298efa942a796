import { context, trace, type Context, type SpanContext } from '@opentelemetry/api';
import { activeInvocation } from '../wrapper/active-invocation';

/** The ids a log line carries to find its trace: OpenTelemetry's log data model's names. */
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
 * @example pino({ mixin: () => traceLogFields() })
 * @example winston.format((info) => Object.assign(info, traceLogFields()))()
 * @example logger.appendKeys(traceLogFields()) // Powertools Logger, first line of the handler
 */
export function traceLogFields(ctx: Context = context.active()): TraceLogFields | Record<string, never> {
  const span = invocationSpanContext(ctx);
  return span ? { trace_id: span.traceId, span_id: span.spanId } : {};
}
