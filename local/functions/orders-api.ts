import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { instrumentAwsClient, withTracing } from '../../src/index';

// Demo: an HTTP API that checks stock with another function over HTTP and queues the order.
const sqs = instrumentAwsClient(new SQSClient({}));
const tracer = trace.getTracer('orders-api');

interface Order {
  id: string;
  sku: string;
  quantity: number;
}

function parseOrder(body: string | undefined): Order | undefined {
  return tracer.startActiveSpan('parse order', (span) => {
    try {
      const order = JSON.parse(body ?? '') as Partial<Order>;
      if (typeof order.sku !== 'string' || typeof order.quantity !== 'number')
        throw new Error('sku and quantity are required');
      span.setAttribute('order.sku', order.sku);
      return { id: order.id ?? `o-${Date.now()}`, sku: order.sku, quantity: order.quantity };
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      return undefined;
    } finally {
      span.end();
    }
  });
}

export const handler = withTracing(async (event: { body?: string }) => {
  const order = parseOrder(event.body);
  if (!order) return { statusCode: 400, body: '{"error":"invalid order"}' };
  const stock = await fetch(`${process.env.INVENTORY_URL}/${encodeURIComponent(order.sku)}`);
  if (stock.status === 404) return { statusCode: 422, body: JSON.stringify({ error: `unknown sku ${order.sku}` }) };
  await sqs.send(
    new SendMessageCommand({ QueueUrl: process.env.ORDERS_QUEUE_URL, MessageBody: JSON.stringify(order) }),
  );
  return { statusCode: 202, body: JSON.stringify({ accepted: order.id }) };
});
