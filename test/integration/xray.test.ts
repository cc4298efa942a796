import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { instrumentAwsClient, withTracing } from '../../src/index';
import { AwsBus as AwsCapture } from '../../local/aws-bus';
import { sqsRecord } from '../../local/lambda-events';
import { httpApiEvent, lambdaContext, VALID_TRACEPARENT } from '../helpers/lambda';
import { attr, type OtlpSpan } from '../helpers/otlp-receiver';
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
  return receiver().spans().find((s) => attr(s, 'faas.invocation_id') !== undefined)!;
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

  it('ignores a malformed X-Ray header', async () => {
    const root = await rootFor(httpApiEvent({ 'X-Amzn-Trace-Id': 'Root=1-nothex-zz;Parent=1;Sampled=1' }));
    expect(root.traceId).not.toBe(XRAY_TRACE);
    expect(root.parentSpanId).toBeUndefined();
  });

  it('writes AWSTraceHeader as an SQS system attribute, outside the 10 message attributes', async () => {
    const sqs = instrumentAwsClient(new SQSClient(aws.clientConfig));
    await withTracing(
      async () => {
        await sqs.send(new SendMessageCommand({ QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q', MessageBody: 'x' }));
      },
      { endpoint: receiver().url },
    )({}, lambdaContext());
    const producer = receiver().spans().find((s) => s.name === 'send q')!;
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
