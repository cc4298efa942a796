import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { trace } from '@opentelemetry/api';
import { instrumentAwsClient, traceRecord, withTracing } from '../../src/index';

// Demo: consumes the orders queue, reserves stock and announces the shipment on SNS.
const sns = instrumentAwsClient(new SNSClient({}));
const tracer = trace.getTracer('fulfilment');

export const handler = withTracing(async (event: { Records: Array<{ body: string }> }) => {
  for (const record of event.Records) {
    await traceRecord(record, async () => {
      await tracer.startActiveSpan('reserve stock', async (span) => {
        await new Promise((resolve) => setTimeout(resolve, 15));
        span.end();
      });
      await sns.send(new PublishCommand({ TopicArn: process.env.SHIPMENTS_TOPIC_ARN, Message: record.body }));
    });
  }
});
