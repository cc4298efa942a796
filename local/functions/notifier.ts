import { trace } from '@opentelemetry/api';
import { traceRecord, withTracing } from '../../src/index';

// Demo: emails the customer, from a queue subscribed to the shipments topic. Orders of
// gadgets fail, so the waterfall shows what an error looks like.
const tracer = trace.getTracer('notifier');

export const handler = withTracing(async (event: { Records: Array<{ body: string }> }) => {
  for (const record of event.Records) {
    await traceRecord(record, async () => {
      const { Message } = JSON.parse(record.body) as { Message: string };
      const order = JSON.parse(Message) as { sku: string };
      await tracer.startActiveSpan('send email', async (span) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        span.end();
      });
      if (order.sku === 'gadget') throw new Error('mail provider rejected the address');
    });
  }
});
