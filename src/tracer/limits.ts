/**
 * Span limits, as the OpenTelemetry SDK's `OTEL_SPAN_*` / `OTEL_ATTRIBUTE_*` variables set them.
 * What a limit keeps out is counted in the span's dropped counts.
 *
 * @example
 * ```typescript
 * import { withTracing } from 'hoptrace';
 *
 * export const handler = withTracing(handle, { spanLimits: { attributeValueLength: 1024 } });
 * ```
 */
export interface SpanLimits {
  /**
   * Attributes per span. Env: `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_COUNT_LIMIT`.
   * @default 128
   */
  attributeCount: number;
  /**
   * Characters of a string attribute value, longer ones truncated (OpenTelemetry's default is
   * unlimited). Env: `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`, `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`.
   * @default 8192
   */
  attributeValueLength: number;
  /**
   * Events per span. Env: `OTEL_SPAN_EVENT_COUNT_LIMIT`.
   * @default 128
   */
  eventCount: number;
  /**
   * Links per span. Env: `OTEL_SPAN_LINK_COUNT_LIMIT`.
   * @default 128
   */
  linkCount: number;
}
