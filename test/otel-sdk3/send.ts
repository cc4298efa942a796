import type { Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

// One span sent by the OpenTelemetry JS SDK 3 on API 1.10 (this workspace's own), through its
// OTLP/HTTP exporter in JSON or protobuf. Needs Node >= 22.15, as the SDK does.

export async function sendWithSdk3(
  url: string,
  encoding: 'json' | 'protobuf',
  name: string,
  attributes: Attributes,
): Promise<string> {
  const exporter = encoding === 'json' ? new JsonExporter({ url }) : new ProtobufExporter({ url });
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const span = provider.getTracer('otel-sdk3', '3.1.0').startSpan(name, { attributes });
  span.end();
  await provider.forceFlush();
  await provider.shutdown();
  return span.spanContext().traceId;
}
