import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentAwsClient, traceRecord, withTracing } from '../../src/index';
import { AwsBus as AwsCapture } from '../../testing/aws-bus';
import { formAttributes as snsAttributes, snsRecord, snsToSqsRecord, sqsRecord } from '../../testing/lambda-events';
import { httpApiEvent, lambdaContext } from '../helpers/lambda';
import { attr, type OtlpSpan } from '../../testing/otlp-receiver';
import { useReceiver } from '../helpers/test-bed';

const receiver = useReceiver();
let aws: AwsCapture;
let sqs: SQSClient;
let sns: SNSClient;

beforeAll(async () => {
  aws = await AwsCapture.start();
  sqs = instrumentAwsClient(new SQSClient(aws.clientConfig));
  sns = instrumentAwsClient(new SNSClient(aws.clientConfig));
});
afterAll(() => aws.close());

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:shipments';

const isRoot = (s: OtlpSpan): boolean => attr(s, 'faas.invocation_id') !== undefined;
const rootsOf = (service: string): OtlpSpan[] =>
  receiver()
    .spans()
    .filter((s) => isRoot(s) && attr(s, 'faas.name') === service);

type Handler = (event: never, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
let a: Handler;
let b: Handler;
let c: Handler;

beforeAll(() => {
  const endpoint = receiver().url;
  // A: an HTTP API handler that sends an order to SQS.
  a = withTracing(
    async () => {
      await sqs.send(new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: JSON.stringify({ order: 42 }) }));
      return { statusCode: 202 };
    },
    { endpoint },
  );
  // B: consumes the queue and publishes to SNS.
  b = withTracing(
    async (event: { Records: Array<{ body: string }> }) => {
      await sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: event.Records[0]!.body }));
    },
    { endpoint },
  );
  // C: consumes an SQS queue subscribed to the topic.
  c = withTracing(async () => 'shipped', { endpoint });
});

/** The SQS message A last sent, as the record Lambda would deliver to B. */
function lastSqsRecord(): Record<string, unknown> {
  const body = aws.call('SendMessage').body as {
    MessageBody: string;
    MessageAttributes: Record<string, { DataType: string; StringValue: string }>;
  };
  return sqsRecord(body);
}

function lastPublish(): {
  TopicArn: string;
  Message: string;
  MessageAttributes: Record<string, { DataType: string; StringValue?: string }>;
} {
  const form = aws.call('Publish').body as Record<string, string>;
  return { TopicArn: form.TopicArn!, Message: form.Message!, MessageAttributes: snsAttributes(form) };
}

const ctx = (name: string) =>
  lambdaContext({ functionName: name, invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${name}` });

describe('one request across HTTP, SQS and SNS is one trace', () => {
  it.each([
    ['envelope', false],
    ['raw message delivery', true],
  ])('chains A → SQS → B → SNS → SQS (%s) → C', async (_label, raw) => {
    await a(httpApiEvent({}, 'POST /orders') as never, ctx('A'));
    await b({ Records: [lastSqsRecord()] } as never, ctx('B'));
    await c({ Records: [snsToSqsRecord(lastPublish(), raw)] } as never, ctx('C'));

    const spans = receiver().spans();
    const [rootA] = rootsOf('A');
    const [rootB] = rootsOf('B');
    const [rootC] = rootsOf('C');
    const sqsProducer = spans.find((s) => s.name === 'send orders')!;
    const snsProducer = spans.find((s) => s.name === 'publish shipments')!;
    expect(new Set(spans.filter((s) => s.name !== 'init').map((s) => s.traceId)).size).toBe(1);
    expect(rootA!.parentSpanId).toBeUndefined();
    expect(sqsProducer.parentSpanId).toBe(rootA!.spanId);
    expect(rootB!.parentSpanId).toBe(sqsProducer.spanId);
    expect(snsProducer.parentSpanId).toBe(rootB!.spanId);
    expect(rootC!.parentSpanId).toBe(snsProducer.spanId);
    expect(rootB!.links.map((l) => l.spanId)).toEqual([sqsProducer.spanId]);
  });

  it('continues the trace into a function subscribed to the topic directly', async () => {
    await a(httpApiEvent() as never, ctx('A'));
    await b({ Records: [lastSqsRecord()] } as never, ctx('B'));
    await c({ Records: [snsRecord(lastPublish())] } as never, ctx('C'));
    const snsProducer = receiver()
      .spans()
      .find((s) => s.name === 'publish shipments')!;
    expect(rootsOf('C')[0]!.parentSpanId).toBe(snsProducer.spanId);
    expect(rootsOf('C')[0]!.traceId).toBe(snsProducer.traceId);
  });

  it('continues through EventBridge and a direct Lambda invoke', async () => {
    const events = instrumentAwsClient(new EventBridgeClient(aws.clientConfig));
    const lambda = instrumentAwsClient(new LambdaClient(aws.clientConfig));
    const producer = withTracing(
      async () => {
        await events.send(
          new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'OrderPlaced', Detail: '{"order":1}' }] }),
        );
        await lambda.send(new InvokeCommand({ FunctionName: 'billing' }));
      },
      { endpoint: receiver().url },
    );
    const consumer = withTracing(async () => 'ok', { endpoint: receiver().url });
    await producer({}, ctx('P'));
    const entry = (
      aws.call('PutEvents').body as { Entries: Array<{ Source: string; DetailType: string; Detail: string }> }
    ).Entries[0]!;
    const busEvent = {
      version: '0',
      id: 'e1',
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '1',
      time: new Date().toISOString(),
      region: 'eu-west-1',
      resources: [],
      detail: JSON.parse(entry.Detail) as unknown,
    };
    await consumer(busEvent, ctx('EB'));
    const clientContext = JSON.parse(
      Buffer.from(String(aws.call('Invoke').headers['x-amz-client-context']), 'base64').toString(),
    ) as unknown;
    await consumer({ any: 'payload' }, { ...ctx('DIRECT'), clientContext });

    const spans = receiver().spans();
    const create = spans.find((s) => s.name === 'create default')!;
    const invoke = spans.find((s) => s.name === 'invoke billing')!;
    expect(rootsOf('EB')[0]!.parentSpanId).toBe(create.spanId);
    expect(attr(rootsOf('EB')[0]!, 'faas.trigger')).toBe('pubsub');
    expect(rootsOf('DIRECT')[0]!.parentSpanId).toBe(invoke.spanId);
    expect(rootsOf('DIRECT')[0]!.traceId).toBe(invoke.traceId);
  });
});

describe('batches', () => {
  it('links a batch from three traces to each, and traceRecord puts each message in its own trace', async () => {
    const records: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 3; i++) {
      await a(httpApiEvent() as never, ctx('A'));
      records.push(lastSqsRecord());
    }
    const handled: string[] = [];
    const batch = withTracing(
      async (event: { Records: Array<{ messageId: string }> }) => {
        for (const record of event.Records) await traceRecord(record, async () => handled.push(record.messageId));
        return 'done';
      },
      { endpoint: receiver().url },
    );
    expect(await batch({ Records: records } as never, ctx('BATCH'))).toBe('done');
    expect(handled).toHaveLength(3);

    const spans = receiver().spans();
    const producers = spans.filter((s) => s.name === 'send orders');
    expect(new Set(producers.map((p) => p.traceId)).size).toBe(3);
    const root = rootsOf('BATCH')[0]!;
    expect(root.parentSpanId).toBeUndefined();
    expect(root.links.map((l) => l.spanId).sort()).toEqual(producers.map((p) => p.spanId).sort());
    const perMessage = spans.filter((s) => s.name === 'process orders' && !isRoot(s));
    expect(perMessage).toHaveLength(3);
    for (const span of perMessage) {
      const producer = producers.find((p) => p.spanId === span.parentSpanId)!;
      expect(producer).toBeDefined();
      expect(span.traceId).toBe(producer.traceId);
      expect(span.kind).toBe(5);
      expect(span.links.map((l) => l.spanId)).toEqual([root.spanId]);
      expect(attr(span, 'messaging.message.id')).toBeDefined();
    }
  });

  it('makes a batch whose messages share one parent a child of it, with one link', async () => {
    await a(httpApiEvent() as never, ctx('A'));
    const record = lastSqsRecord();
    const consumer = withTracing(async () => 'ok', { endpoint: receiver().url });
    await consumer({ Records: [record, { ...record, messageId: 'copy' }] }, ctx('B'));
    const producer = receiver()
      .spans()
      .find((s) => s.name === 'send orders')!;
    const root = rootsOf('B')[0]!;
    expect(root.parentSpanId).toBe(producer.spanId);
    expect(root.links).toHaveLength(1);
  });

  it('fails with a record: the error is the same, the record span is marked', async () => {
    const error = new Error('poison message');
    const failing = withTracing(
      async (event: { Records: unknown[] }) => {
        await traceRecord(event.Records[0], () => {
          throw error;
        });
      },
      { endpoint: receiver().url },
    );
    await expect(failing({ Records: [sqsRecord({ MessageBody: 'x' })] }, ctx('B'))).rejects.toBe(error);
    const recordSpan = receiver()
      .spans()
      .find((s) => s.name === 'process orders' && !isRoot(s))!;
    expect(recordSpan.status.code).toBe(2);
    // No producer context: the record span sits under the invocation.
    expect(recordSpan.parentSpanId).toBe(rootsOf('B')[0]!.spanId);
  });

  it.each([
    [
      'a garbage traceparent attribute',
      {
        Records: [
          sqsRecord({
            MessageBody: 'x',
            MessageAttributes: { traceparent: { DataType: 'String', StringValue: 'garbage' } },
          }),
        ],
      },
    ],
    [
      'a Binary traceparent attribute',
      {
        Records: [
          {
            ...sqsRecord({ MessageBody: 'x' }),
            messageAttributes: { traceparent: { binaryValue: 'AAE=', dataType: 'Binary' } },
          },
        ],
      },
    ],
    [
      'an EventBridge detail that is not an object',
      { id: '1', 'detail-type': 'X', source: 's', detail: '["not", "an", "object"]' },
    ],
    [
      'an EventBridge detail with a garbage context',
      { id: '1', 'detail-type': 'X', source: 's', detail: { _hoptrace: { traceparent: 'x'.repeat(10_000) } } },
    ],
  ])('starts a new root trace for %s', async (_label, event) => {
    const handler = withTracing(async () => 'ok', { endpoint: receiver().url });
    expect(await handler(event, ctx('G'))).toBe('ok');
    const root = rootsOf('G')[0]!;
    expect(root.parentSpanId).toBeUndefined();
    expect(root.links).toHaveLength(0);
  });

  it('handles a batch of 10,000 Kinesis records without context as one new root trace', async () => {
    const records = Array.from({ length: 10_000 }, (_, i) => ({
      eventSource: 'aws:kinesis',
      eventSourceARN: 'arn:aws:kinesis:eu-west-1:1:stream/clicks',
      kinesis: { sequenceNumber: String(i), data: Buffer.from(`{"n":${i}}`).toString('base64'), partitionKey: 'k' },
    }));
    const handler = withTracing(async (event: { Records: unknown[] }) => event.Records.length, {
      endpoint: receiver().url,
    });
    expect(await handler({ Records: records }, ctx('K'))).toBe(10_000);
    const root = rootsOf('K')[0]!;
    expect(root.parentSpanId).toBeUndefined();
    expect(root.links).toHaveLength(0);
    expect(attr(root, 'messaging.batch.message_count')).toBe(10_000);
  });
});
