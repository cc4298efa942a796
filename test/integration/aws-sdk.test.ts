import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { context, propagation, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentAwsClient, withTracing } from '../../src/index';
import { AwsBus as AwsCapture } from '../../testing/aws-bus';
import { formAttributes as snsAttributes } from '../../testing/lambda-events';
import { lambdaContext } from '../helpers/lambda';
import { attr, type OtlpSpan } from '../../testing/otlp-receiver';
import { useReceiver } from '../helpers/test-bed';
import { warningsWhile } from '../helpers/warnings';

const receiver = useReceiver();
let aws: AwsCapture;

beforeAll(async () => {
  aws = await AwsCapture.start();
});
afterAll(() => aws.close());

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:shipments';

/** Runs `fn` inside a wrapped invocation and returns the spans it exported. */
async function inInvocation(
  fn: () => Promise<unknown>,
  options: { baggage?: string; tracestate?: string } = {},
): Promise<OtlpSpan[]> {
  const handler = withTracing(
    async () => {
      let ctx = context.active();
      if (options.baggage)
        ctx = propagation.setBaggage(ctx, propagation.createBaggage({ tenant: { value: options.baggage } }));
      await context.with(ctx, fn);
    },
    { endpoint: receiver().url },
  );
  const headers = options.tracestate
    ? { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: options.tracestate }
    : {};
  await handler(
    {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/',
      headers,
      requestContext: { http: { method: 'POST', path: '/' } },
    },
    lambdaContext(),
  );
  return receiver().spans();
}

/** `hoptrace.context.dropped`: the context fields a message went without. */
const dropped = (span: OtlpSpan): string[] | undefined =>
  (attr(span, 'hoptrace.context.dropped') as { values: Array<{ stringValue: string }> } | undefined)?.values.map(
    (v) => v.stringValue,
  );

/** The size SQS and SNS count for a message on the wire: body, then each attribute's name, data type and value. */
function wireBytes(body: string, attributes: Record<string, { DataType: string; StringValue?: string }> = {}): number {
  let bytes = Buffer.byteLength(body);
  for (const [name, a] of Object.entries(attributes))
    bytes += Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue ?? '');
  return bytes;
}

const KIB_256 = 256 * 1024;

const traceparentOf = (span: OtlpSpan): string => `00-${span.traceId}-${span.spanId}-01`;
const byKind = (spans: OtlpSpan[], kind: number): OtlpSpan[] => spans.filter((s) => s.kind === kind);
const PRODUCER = 4;
const CLIENT = 3;

describe('instrumentAwsClient: SQS', () => {
  it('sends SendMessage with the PRODUCER span context in its message attributes, on the wire', async () => {
    const sqs = instrumentAwsClient(new SQSClient(aws.clientConfig));
    const input = {
      QueueUrl: QUEUE_URL,
      MessageBody: 'order 42',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'new' } },
    };
    const before = JSON.stringify(input);
    const spans = await inInvocation(() => sqs.send(new SendMessageCommand(input)));

    const [producer] = byKind(spans, PRODUCER);
    expect(producer!.name).toBe('send orders');
    expect(attr(producer!, 'rpc.system')).toBe('aws-api');
    expect(attr(producer!, 'rpc.service')).toBe('SQS');
    expect(attr(producer!, 'rpc.method')).toBe('SendMessage');
    expect(attr(producer!, 'cloud.region')).toBe('us-east-1');
    expect(attr(producer!, 'messaging.system')).toBe('aws_sqs');
    expect(attr(producer!, 'messaging.destination.name')).toBe('orders');
    expect(attr(producer!, 'messaging.message.id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(attr(producer!, 'aws.request_id')).toBe(aws.call('SendMessage').requestId);
    expect(attr(producer!, 'http.response.status_code')).toBe(200);

    const wire = aws.call('SendMessage').body as {
      MessageAttributes: Record<string, { DataType: string; StringValue: string }>;
    };
    expect(wire.MessageAttributes.traceparent).toEqual({ DataType: 'String', StringValue: traceparentOf(producer!) });
    expect(wire.MessageAttributes.kind).toEqual({ DataType: 'String', StringValue: 'new' });
    expect(wire.MessageAttributes.tracestate).toBeUndefined();
    expect(JSON.stringify(input)).toBe(before);
    // The SDK's own HTTP request is not a second span, and its signed request gets no header.
    expect(byKind(spans, CLIENT)).toHaveLength(0);
    expect(aws.call('SendMessage').headers.traceparent).toBeUndefined();
  });

  it('adds tracestate and baggage when there is room, never more than 10 attributes', async () => {
    const sqs = instrumentAwsClient(new SQSClient(aws.clientConfig));
    const eight = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: `${i}` }]),
    );
    await inInvocation(
      () => sqs.send(new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: 'x', MessageAttributes: eight })),
      {
        baggage: 'acme',
        tracestate: 'vendor=1',
      },
    );
    const attributes = (aws.call('SendMessage').body as { MessageAttributes: Record<string, unknown> })
      .MessageAttributes;
    expect(Object.keys(attributes)).toHaveLength(10);
    expect(attributes.traceparent).toBeDefined();
    expect(attributes.tracestate).toEqual({ DataType: 'String', StringValue: 'vendor=1' });
    expect(attributes.baggage).toBeUndefined();

    receiver().reset();
    await inInvocation(() => sqs.send(new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: 'x' })), {
      baggage: 'acme',
      tracestate: 'vendor=1',
    });
    const all = (aws.call('SendMessage').body as { MessageAttributes: Record<string, { StringValue: string }> })
      .MessageAttributes;
    expect(Object.keys(all).sort()).toEqual(['baggage', 'traceparent', 'tracestate']);
    expect(all.baggage!.StringValue).toBe('tenant=acme');
  });

  it('skips injection but keeps the span when 10 attributes leave no room, and says so once', async () => {
    const sqs = instrumentAwsClient(new SQSClient(aws.clientConfig));
    const ten = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: `${i}` }]),
    );
    let spans: OtlpSpan[] = [];
    const lines = await warningsWhile('sent without the trace context', async () => {
      for (let i = 0; i < 2; i++)
        spans = await inInvocation(() =>
          sqs.send(new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: 'x', MessageAttributes: ten })),
        );
    });
    const attributes = (aws.call('SendMessage').body as { MessageAttributes: Record<string, unknown> })
      .MessageAttributes;
    expect(Object.keys(attributes)).toEqual(Object.keys(ten));
    const [producer] = byKind(spans, PRODUCER);
    expect(dropped(producer!)).toEqual(['traceparent']);
    expect(attr(producer!, 'hoptrace.context.drop_reason')).toBe('attribute_limit');
    expect(lines).toHaveLength(1);
  });

  it('never lets the context push a message past 256 KiB: baggage goes first, then the context, never the body', async () => {
    const sqs = instrumentAwsClient(new SQSClient(aws.clientConfig));
    const user = { kind: { DataType: 'String', StringValue: 'new' } };
    // Room for traceparent and tracestate, not for the 4 KB of baggage.
    const body = 'b'.repeat(KIB_256 - wireBytes('', user) - 200);
    const spans = await inInvocation(
      () => sqs.send(new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: body, MessageAttributes: user })),
      {
        baggage: 'x'.repeat(4000),
        tracestate: 'vendor=1',
      },
    );
    const wire = aws.call('SendMessage').body as {
      MessageBody: string;
      MessageAttributes: Record<string, { DataType: string; StringValue: string }>;
    };
    expect(wire.MessageBody).toBe(body);
    expect(Object.keys(wire.MessageAttributes).sort()).toEqual(['kind', 'traceparent', 'tracestate']);
    expect(wireBytes(wire.MessageBody, wire.MessageAttributes)).toBeLessThanOrEqual(KIB_256);
    const [producer] = byKind(spans, PRODUCER);
    expect(wire.MessageAttributes.traceparent!.StringValue).toBe(traceparentOf(producer!));
    expect(dropped(producer!)).toEqual(['baggage']);
    expect(attr(producer!, 'hoptrace.context.drop_reason')).toBe('size_limit');

    // A body with no room left at all is sent as it is, without any context.
    receiver().reset();
    const full = 'f'.repeat(KIB_256 - 10);
    const again = await inInvocation(
      () => sqs.send(new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: full })),
      { baggage: 'acme' },
    );
    expect(aws.call('SendMessage').body).toEqual({ QueueUrl: QUEUE_URL, MessageBody: full });
    expect(dropped(byKind(again, PRODUCER)[0]!)).toEqual(['traceparent', 'baggage']);
  });

  it('counts a SendMessageBatch as a whole against 256 KiB', async () => {
    const sqs = instrumentAwsClient(new SQSClient(aws.clientConfig));
    // Three bodies that leave room for about one traceparent attribute in all.
    const entries = [1, 2, 3].map((i) => ({
      Id: `m${i}`,
      MessageBody: String(i).repeat(Math.floor((KIB_256 - 150) / 3)),
    }));
    const spans = await inInvocation(
      () => sqs.send(new SendMessageBatchCommand({ QueueUrl: QUEUE_URL, Entries: entries })),
      { baggage: 'acme' },
    );
    const wire = (
      aws.call('SendMessageBatch').body as {
        Entries: Array<{
          MessageBody: string;
          MessageAttributes?: Record<string, { DataType: string; StringValue: string }>;
        }>;
      }
    ).Entries;
    expect(wire.map((e) => e.MessageBody)).toEqual(entries.map((e) => e.MessageBody));
    expect(wire.reduce((sum, e) => sum + wireBytes(e.MessageBody, e.MessageAttributes), 0)).toBeLessThanOrEqual(
      KIB_256,
    );
    expect(wire[0]!.MessageAttributes?.traceparent).toBeDefined();
    expect(wire[2]!.MessageAttributes).toBeUndefined();
    const creates = spans.filter((s) => s.name === 'create orders');
    expect(creates.map(dropped).filter(Boolean)).toContainEqual(['traceparent', 'baggage']);
  });

  it('keeps a traceparent attribute the user set', async () => {
    const sqs = instrumentAwsClient(new SQSClient(aws.clientConfig));
    const own = { traceparent: { DataType: 'String', StringValue: 'mine' } };
    await inInvocation(() =>
      sqs.send(new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: 'x', MessageAttributes: own })),
    );
    expect((aws.call('SendMessage').body as { MessageAttributes: unknown }).MessageAttributes).toEqual(own);
  });

  it('gives every entry of SendMessageBatch a context of its own', async () => {
    const sqs = instrumentAwsClient(new SQSClient(aws.clientConfig));
    const entries = [1, 2, 3].map((i) => ({ Id: `m${i}`, MessageBody: `body ${i}` }));
    const spans = await inInvocation(() =>
      sqs.send(new SendMessageBatchCommand({ QueueUrl: QUEUE_URL, Entries: entries })),
    );
    const batch = spans.find((s) => s.name === 'send orders')!;
    expect(attr(batch, 'messaging.batch.message_count')).toBe(3);
    const creates = spans.filter((s) => s.name === 'create orders');
    expect(creates).toHaveLength(3);
    for (const c of creates) expect(c.parentSpanId).toBe(batch.spanId);
    const wire = (
      aws.call('SendMessageBatch').body as {
        Entries: Array<{ MessageAttributes: { traceparent: { StringValue: string } } }>;
      }
    ).Entries;
    expect(wire.map((e) => e.MessageAttributes.traceparent.StringValue).sort()).toEqual(
      creates.map(traceparentOf).sort(),
    );
    expect(entries[0]).toEqual({ Id: 'm1', MessageBody: 'body 1' });
  });
});

describe('instrumentAwsClient: SNS, EventBridge, Lambda', () => {
  it('publishes to SNS with the context in the message attributes', async () => {
    const sns = instrumentAwsClient(new SNSClient(aws.clientConfig));
    const spans = await inInvocation(() => sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: 'shipped' })));
    const producer = spans.find((s) => s.name === 'publish shipments')!;
    expect(producer.kind).toBe(PRODUCER);
    expect(attr(producer, 'messaging.system')).toBe('aws_sns');
    expect(snsAttributes(aws.call('Publish').body).traceparent).toEqual({
      DataType: 'String',
      StringValue: traceparentOf(producer),
    });
  });

  it('gives every PublishBatch entry a context of its own', async () => {
    const sns = instrumentAwsClient(new SNSClient(aws.clientConfig));
    const entries = [1, 2].map((i) => ({ Id: `e${i}`, Message: `m${i}` }));
    const spans = await inInvocation(() =>
      sns.send(new PublishBatchCommand({ TopicArn: TOPIC_ARN, PublishBatchRequestEntries: entries })),
    );
    const creates = spans
      .filter((s) => s.name === 'create shipments')
      .map(traceparentOf)
      .sort();
    const body = aws.call('PublishBatch').body;
    const wire = [1, 2]
      .map(
        (i) => snsAttributes(body, `PublishBatchRequestEntries.member.${i}.MessageAttributes`).traceparent!.StringValue,
      )
      .sort();
    expect(wire).toEqual(creates);
  });

  it('never lets the context push an SNS message past 256 KiB', async () => {
    const sns = instrumentAwsClient(new SNSClient(aws.clientConfig));
    const message = 'm'.repeat(KIB_256 - 120);
    const spans = await inInvocation(() => sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Message: message })), {
      baggage: 'x'.repeat(500),
    });
    const wire = snsAttributes(aws.call('Publish').body);
    expect(aws.call('Publish').body.Message).toBe(message);
    expect(Object.keys(wire)).toEqual(['traceparent']);
    expect(wireBytes(message, wire as Record<string, { DataType: string; StringValue: string }>)).toBeLessThanOrEqual(
      KIB_256,
    );
    expect(dropped(spans.find((s) => s.name === 'publish shipments')!)).toEqual(['baggage']);
  });

  it('adds the context to an EventBridge Detail as text: every other byte reaches AWS as the user wrote it', async () => {
    const events = instrumentAwsClient(new EventBridgeClient(aws.clientConfig));
    const details = [
      '{"id": 9007199254740993, "price": 1.10, "dup": 1, "dup": 2}',
      '{ \n }',
      '  {"a":[1,{"b":"}"}]}\n\t ',
      '{}',
    ];
    const spans = await inInvocation(
      () =>
        events.send(
          new PutEventsCommand({ Entries: details.map((Detail) => ({ Source: 'shop', DetailType: 'T', Detail })) }),
        ),
      {
        baggage: 'acme',
      },
    );
    const creates = spans.filter((s) => s.name === 'create default').map(traceparentOf);
    const wire = (aws.call('PutEvents').body as { Entries: Array<{ Detail: string }> }).Entries.map((e) => e.Detail);
    const added = wire.map((detail) => /"_hoptrace":(\{[^{}]*\})/.exec(detail)![1]!);
    for (const field of added) {
      const context = JSON.parse(field) as Record<string, string>;
      expect(Object.keys(context)).toEqual(['traceparent', 'baggage']);
      expect(creates).toContain(context.traceparent);
      expect(context.baggage).toBe('tenant=acme');
    }
    expect(wire).toEqual([
      `{"id": 9007199254740993, "price": 1.10, "dup": 1, "dup": 2,"_hoptrace":${added[0]}}`,
      `{ \n "_hoptrace":${added[1]}}`,
      `  {"a":[1,{"b":"}"}],"_hoptrace":${added[2]}}\n\t `,
      `{"_hoptrace":${added[3]}}`,
    ]);
  });

  it('leaves a Detail that is not a JSON object unchanged and marks the span: the context could not be carried', async () => {
    const events = instrumentAwsClient(new EventBridgeClient(aws.clientConfig));
    const spans = await inInvocation(() =>
      events.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'T', Detail: '[1,2]' }] })),
    );
    expect((aws.call('PutEvents').body as { Entries: Array<{ Detail: string }> }).Entries[0]!.Detail).toBe('[1,2]');
    const create = spans.find((s) => s.name === 'create default')!;
    expect(dropped(create)).toEqual(['traceparent']);
    expect(attr(create, 'hoptrace.context.drop_reason')).toBe('detail_not_object');
  });

  it('puts the context into an EventBridge detail object, and leaves other details alone', async () => {
    const events = instrumentAwsClient(new EventBridgeClient(aws.clientConfig));
    const entries = [
      { Source: 'shop', DetailType: 'OrderPlaced', Detail: JSON.stringify({ id: 1 }) },
      { Source: 'shop', DetailType: 'Weird', Detail: '[1,2]' },
      { Source: 'shop', DetailType: 'Weirder', Detail: 'not json' },
      { Source: 'shop', DetailType: 'Empty' },
    ];
    const spans = await inInvocation(() => events.send(new PutEventsCommand({ Entries: entries })));
    const wire = (aws.call('PutEvents').body as { Entries: Array<{ Detail?: string }> }).Entries;
    const detail = JSON.parse(wire[0]!.Detail!) as { id: number; _hoptrace: { traceparent: string } };
    expect(detail.id).toBe(1);
    const creates = spans.filter((s) => s.name === 'create default').map(traceparentOf);
    expect(creates).toContain(detail._hoptrace.traceparent);
    expect(wire.slice(1).map((e) => e.Detail)).toEqual(['[1,2]', 'not json', undefined]);
  });

  it('puts the context into a Lambda Invoke client context, keeping what was there', async () => {
    const lambda = instrumentAwsClient(new LambdaClient(aws.clientConfig));
    const clientContext = Buffer.from(JSON.stringify({ custom: { tenant: 'acme' }, env: { a: 1 } })).toString('base64');
    const spans = await inInvocation(() =>
      lambda.send(
        new InvokeCommand({
          FunctionName: 'arn:aws:lambda:eu-west-1:1:function:billing:live',
          ClientContext: clientContext,
        }),
      ),
    );
    const producer = spans.find((s) => s.name === 'invoke billing')!;
    expect(attr(producer, 'faas.invoked_name')).toBe('billing');
    const sent = JSON.parse(
      Buffer.from(String(aws.call('Invoke').headers['x-amz-client-context']), 'base64').toString(),
    ) as {
      custom: Record<string, string>;
      env: unknown;
    };
    expect(sent.custom).toEqual({ tenant: 'acme', traceparent: traceparentOf(producer) });
    expect(sent.env).toEqual({ a: 1 });
  });

  it('leaves an asynchronous invoke (InvocationType Event) as it is and marks the span: Lambda does not deliver ClientContext', async () => {
    const lambda = instrumentAwsClient(new LambdaClient(aws.clientConfig));
    const spans = await inInvocation(() =>
      lambda.send(
        new InvokeCommand({ FunctionName: 'billing', InvocationType: 'Event', Payload: Buffer.from('{"a":1}') }),
      ),
    );
    const call = aws.call('Invoke');
    expect(call.headers['x-amz-client-context']).toBeUndefined();
    expect(call.body.payload).toBe('{"a":1}');
    const producer = spans.find((s) => s.name === 'invoke billing')!;
    expect(attr(producer, 'aws.lambda.invocation_type')).toBe('Event');
    expect(dropped(producer)).toEqual(['traceparent']);
    expect(attr(producer, 'hoptrace.context.drop_reason')).toBe('async_invoke');
  });

  it('leaves out baggage first when the client context has no room for all of it', async () => {
    const lambda = instrumentAwsClient(new LambdaClient(aws.clientConfig));
    const spans = await inInvocation(() => lambda.send(new InvokeCommand({ FunctionName: 'billing' })), {
      baggage: 'x'.repeat(3000),
    });
    const sent = JSON.parse(
      Buffer.from(String(aws.call('Invoke').headers['x-amz-client-context']), 'base64').toString(),
    ) as { custom: Record<string, string> };
    expect(Object.keys(sent.custom)).toEqual(['traceparent']);
    expect(dropped(spans.find((s) => s.name === 'invoke billing')!)).toEqual(['baggage']);
  });

  it('leaves an undecodable client context alone', async () => {
    const lambda = instrumentAwsClient(new LambdaClient(aws.clientConfig));
    await inInvocation(() =>
      lambda.send(
        new InvokeCommand({ FunctionName: 'billing', ClientContext: Buffer.from('not json').toString('base64') }),
      ),
    );
    expect(Buffer.from(String(aws.call('Invoke').headers['x-amz-client-context']), 'base64').toString()).toBe(
      'not json',
    );
  });

  it('traces other calls as CLIENT spans and records failures with the same error rethrown', async () => {
    const sqs = instrumentAwsClient(new SQSClient({ ...aws.clientConfig, endpoint: 'http://127.0.0.1:1' }));
    let thrown: unknown;
    const spans = await inInvocation(async () => {
      try {
        await sqs.send(new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: 'x' }));
      } catch (error) {
        thrown = error;
      }
    });
    expect(thrown).toBeInstanceOf(Error);
    const failed = spans.find((s) => s.name === 'send orders')!;
    expect(failed.status.code).toBe(2);
    expect(failed.events.map((e) => e.name)).toContain('exception');
  });

  it('is idempotent and works outside an invocation', async () => {
    const sqs = new SQSClient(aws.clientConfig);
    expect(instrumentAwsClient(instrumentAwsClient(sqs))).toBe(sqs);
    await sqs.send(new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: 'outside' }));
    const wire = aws.call('SendMessage').body as { MessageAttributes: Record<string, { StringValue: string }> };
    expect(wire.MessageAttributes.traceparent!.StringValue).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const spans = await inInvocation(async () => undefined);
    expect(spans.filter((s) => s.name === 'send orders')).toHaveLength(1);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
