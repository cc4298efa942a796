import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/**
 * The decision table's client. Without the SDK's logger middleware: it filters every request
 * and response for sensitive fields to hand an info line to a logger that drops it, a fifth of
 * the consumer's CPU in bench/tail-sampler.ts; the consumer logs failures itself.
 */
export function decisionTableClient(config: DynamoDBClientConfig): DynamoDBClient {
  // The middleware stack resolved once per command kind, not on every request (~5% of the consumer's CPU).
  const client = new DynamoDBClient({ cacheMiddleware: true, ...config });
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
