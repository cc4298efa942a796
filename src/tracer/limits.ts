/** Span limits, as the OpenTelemetry SDK's `OTEL_SPAN_*` / `OTEL_ATTRIBUTE_*` variables set them. */
export interface SpanLimits {
  attributeCount: number;
  attributeValueLength: number;
  eventCount: number;
  linkCount: number;
}
