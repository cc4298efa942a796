import { trace } from '@opentelemetry/api';
import { withTracing } from '../../src/index';

// Demo: a stock lookup behind GET /inventory/{sku}.
const STOCK: Record<string, number> = { widget: 12, gadget: 3 };
const tracer = trace.getTracer('inventory');

export const handler = withTracing(async (event: { pathParameters?: { sku?: string } }) => {
  const sku = event.pathParameters?.sku ?? '';
  const level = await tracer.startActiveSpan('read stock table', async (span) => {
    await new Promise((resolve) => setTimeout(resolve, 8));
    span.setAttribute('db.system', 'dynamodb');
    span.end();
    return STOCK[sku];
  });
  if (level === undefined) return { statusCode: 404, body: JSON.stringify({ error: `no such sku ${sku}` }) };
  return { statusCode: 200, body: JSON.stringify({ sku, level }) };
});
