import { gzipSync } from 'node:zlib';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../cli/src/analyze';
import type { Source } from '../../cli/src/sources/source';
import { RedMetrics } from '../../handlers/tail-sampler/red-metrics';
import { AwsBus } from '../../testing/aws-bus';
import { sqsRecord } from '../../testing/lambda-events';
import { instrumentAwsClient, traceRecord, withTracing } from '../../src/index';
import type { OtlpExportRequest } from '../../src/otlp/types';
import { httpApiEvent, lambdaContext } from '../helpers/lambda';
import { useReceiver } from '../helpers/test-bed';

// The tail sampler's RED metrics and the command's service map count the requests a service
// served by one rule: here on what the wrapper really sends for an SQS message handled with
// traceRecord (the invocation and the record's span, both under the producer).
const receiver = useReceiver();
let aws: AwsBus;
let sqs: SQSClient;

beforeAll(async () => {
  aws = await AwsBus.start();
  sqs = instrumentAwsClient(new SQSClient(aws.clientConfig));
});
afterAll(() => aws.close());

const ctx = (name: string) =>
  lambdaContext({ functionName: name, invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${name}` });

describe('RED metrics and the service map', () => {
  it('count one SQS message handled with traceRecord as one request, with its error and its duration', async () => {
    const endpoint = receiver().url;
    const producer = withTracing(
      async () => {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders',
            MessageBody: '{"order":42}',
          }),
        );
        return { statusCode: 202 };
      },
      { endpoint, serviceName: 'orders-api' },
    );
    const consumer = withTracing(
      async (event: { Records: unknown[] }) => {
        for (const record of event.Records) {
          await traceRecord(record, () => {
            throw new Error('out of stock');
          });
        }
      },
      { endpoint, serviceName: 'fulfilment' },
    );
    for (let i = 0; i < 3; i++) {
      await producer(httpApiEvent({}, 'POST /orders') as never, ctx('orders-api'));
      const sent = aws.call('SendMessage').body as {
        MessageBody: string;
        MessageAttributes: Record<string, { DataType: string; StringValue: string }>;
      };
      await expect(consumer({ Records: [sqsRecord(sent)] } as never, ctx('fulfilment'))).rejects.toThrow(
        'out of stock',
      );
    }

    const bodies = receiver().requests.map((r) => r.body as unknown as OtlpExportRequest);
    // As the stream holds them: each trace's records, read together by the tail sampler.
    const byTrace = new Map<string, OtlpExportRequest[]>();
    for (const body of bodies) {
      const traceId = body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId;
      byTrace.set(traceId, [...(byTrace.get(traceId) ?? []), body]);
    }
    expect(byTrace.size).toBe(3);
    const red = new RedMetrics();
    for (const requests of byTrace.values()) red.add(...requests);
    const docs = red
      .lines('hoptrace', 0, {})
      .map(
        (l) =>
          JSON.parse(l) as { service?: string; Requests?: number; Errors?: number; Duration?: { Counts: number[] } },
      );
    const fulfilment = docs.filter((d) => d.service === 'fulfilment' && d.Requests !== undefined);

    const source: Source = {
      description: 'test records',
      async *records() {
        for (const body of bodies) yield { data: gzipSync(JSON.stringify(body)) };
      },
    };
    const { map } = await analyze(source);
    const node = map.nodes.find((n) => n.service === 'fulfilment')!;
    expect(node).toMatchObject({ count: 3, errors: 3 });
    expect(fulfilment.reduce((n, d) => n + d.Requests!, 0)).toBe(node.count);
    expect(fulfilment.reduce((n, d) => n + d.Errors!, 0)).toBe(node.errors);
    expect(fulfilment.reduce((n, d) => n + d.Duration!.Counts.reduce((a, b) => a + b, 0), 0)).toBe(node.count);
  });
});
