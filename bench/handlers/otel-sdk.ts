import { context, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { work } from './logic';

// The OpenTelemetry JS SDK as its Lambda instrumentation uses it: a NodeTracerProvider with
// a BatchSpanProcessor and the OTLP/HTTP exporter, a SERVER root span per invocation, and
// forceFlush before the handler returns.
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ 'service.name': process.env.OTEL_SERVICE_NAME ?? 'bench' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
provider.register();
const tracer = trace.getTracer('@opentelemetry/instrumentation-aws-lambda');
let coldStart = true;

export async function handler(
  event: { id?: string; spans?: number },
  lambdaContext: { awsRequestId: string; functionName: string },
) {
  const span = tracer.startSpan(lambdaContext.functionName, {
    kind: SpanKind.SERVER,
    attributes: { 'faas.execution': lambdaContext.awsRequestId, 'faas.coldstart': coldStart, 'cloud.provider': 'aws' },
  });
  coldStart = false;
  try {
    return await context.with(trace.setSpan(context.active(), span), () => work(event));
  } finally {
    span.end();
    await provider.forceFlush();
  }
}
