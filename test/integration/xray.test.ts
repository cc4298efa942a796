import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { context, propagation, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { instrumentAwsClient, withTracing } from '../../src/index';
import { AwsBus as AwsCapture } from '../../testing/aws-bus';
import { sqsRecord } from '../../testing/lambda-events';
import { httpApiEvent, lambdaContext, VALID_TRACEPARENT } from '../helpers/lambda';
import { attr, type OtlpSpan } from '../../testing/otlp-receiver';
import { useReceiver } from '../helpers/test-bed';

// Propagators are chosen once per process, by the first wrapper: set them before it.
vi.stubEnv('OTEL_PROPAGATORS', 'tracecontext,baggage,xray');

const receiver = useReceiver();
let aws: AwsCapture;
beforeAll(async () => {
  aws = await AwsCapture.start();
});
afterAll(() => {
  vi.unstubAllEnvs();
  return aws.close();
});

const XRAY = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const XRAY_TRACE = '5759e988bd862e3fe1be46a994272793';

async function rootFor(event: unknown): Promise<OtlpSpan> {
  await withTracing(async () => ({ statusCode: 200 }), { endpoint: receiver().url })(event, lambdaContext());
  return receiver()
    .spans()
    .find((s) => attr(s, 'faas.invocation_id') !== undefined)!;
}

describe('X-Ray propagation (OTEL_PROPAGATORS=...,xray)', () => {
  it('continues an X-Amzn-Trace-Id header', async () => {
    const root = await rootFor(httpApiEvent({ 'X-Amzn-Trace-Id': XRAY }));
    expect(root.traceId).toBe(XRAY_TRACE);
    expect(root.parentSpanId).toBe('53995c3f42cd8ad8');
  });

  it('prefers traceparent when both are present', async () => {
    const root = await rootFor(httpApiEvent({ 'X-Amzn-Trace-Id': XRAY, traceparent: VALID_TRACEPARENT }));
    expect(root.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it("continues an SQS message's AWSTraceHeader", async () => {
    const root = await rootFor({ Records: [sqsRecord({ MessageBody: 'x', AWSTraceHeader: XRAY })] });
    expect(root.traceId).toBe(XRAY_TRACE);
  });

  it("falls back to Lambda's _X_AMZN_TRACE_ID when the event carries nothing", async () => {
    vi.stubEnv('_X_AMZN_TRACE_ID', XRAY);
    const root = await rootFor({ direct: true });
    vi.stubEnv('_X_AMZN_TRACE_ID', '');
    expect(root.traceId).toBe(XRAY_TRACE);
  });

  it("does not let Lambda's Sampled=0 (active tracing off) turn tracing off for the invocation", async () => {
    vi.stubEnv('_X_AMZN_TRACE_ID', XRAY.replace('Sampled=1', 'Sampled=0'));
    const root = await rootFor({ direct: true });
    vi.stubEnv('_X_AMZN_TRACE_ID', '');
    expect(root).toBeDefined();
    expect(root.traceId).not.toBe(XRAY_TRACE);
    expect(root.parentSpanId).toBeUndefined();
  });

  it("still honours an upstream's Sampled=0 carried by the event", async () => {
    await withTracing(async () => ({ statusCode: 200 }), { endpoint: receiver().url })(
      httpApiEvent({ 'X-Amzn-Trace-Id': XRAY.replace('Sampled=1', 'Sampled=0') }),
      lambdaContext(),
    );
    expect(receiver().spans()).toHaveLength(0);
  });

  it('propagation.extract reads the X-Ray header even when the context passed in holds a span; W3C still wins in one carrier', async () => {
    let fromXRay: string | undefined;
    let fromBoth: string | undefined;
    await withTracing(
      async () => {
        const active = context.active();
        expect(trace.getSpanContext(active)).toBeDefined();
        fromXRay = trace.getSpanContext(propagation.extract(active, { 'x-amzn-trace-id': XRAY }))?.traceId;
        fromBoth = trace.getSpanContext(
          propagation.extract(active, { 'x-amzn-trace-id': XRAY, traceparent: VALID_TRACEPARENT }),
        )?.traceId;
      },
      { endpoint: receiver().url },
    )({}, lambdaContext());
    expect(fromXRay).toBe(XRAY_TRACE);
    expect(fromBoth).toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('ignores a malformed X-Ray header', async () => {
    const root = await rootFor(httpApiEvent({ 'X-Amzn-Trace-Id': 'Root=1-nothex-zz;Parent=1;Sampled=1' }));
    expect(root.traceId).not.toBe(XRAY_TRACE);
    expect(root.parentSpanId).toBeUndefined();
  });

  it('writes AWSTraceHeader as an SQS system attribute, outside the 10 message attributes', async () => {
    const sqs = instrumentAwsClient(new SQSClient(aws.clientConfig));
    await withTracing(
      async () => {
        await sqs.send(
          new SendMessageCommand({ QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q', MessageBody: 'x' }),
        );
      },
      { endpoint: receiver().url },
    )({}, lambdaContext());
    const producer = receiver()
      .spans()
      .find((s) => s.name === 'send q')!;
    const wire = aws.call('SendMessage').body as {
      MessageSystemAttributes: { AWSTraceHeader: { StringValue: string } };
      MessageAttributes: Record<string, unknown>;
    };
    expect(wire.MessageSystemAttributes.AWSTraceHeader.StringValue).toBe(
      `Root=1-${producer.traceId.slice(0, 8)}-${producer.traceId.slice(8)};Parent=${producer.spanId};Sampled=1`,
    );
    expect(Object.keys(wire.MessageAttributes)).toEqual(['traceparent']);
  });
});
