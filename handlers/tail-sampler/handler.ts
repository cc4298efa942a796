import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamEvent } from 'aws-lambda';
import { readConsumerConfig } from './config';
import { createConsumer } from './consumer';
import { decisionTableClient } from './dynamodb-client';
import { forwardHeaders } from './forward-headers';

// Created once per sandbox: config is read, and connections are reused, across invocations.
const config = readConsumerConfig(process.env);
const dynamodb = decisionTableClient({
  region: config.forward.region,
  ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
  requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 5000 }),
});
// The backend's headers (its key) come from SSM; the read starts at init.
const headers = forwardHeaders(config.forward);
let consume: ReturnType<typeof createConsumer> | undefined;

export async function handler(event: KinesisStreamEvent) {
  consume ??= createConsumer({ ...config, forward: { ...config.forward, headers: await headers() } }, dynamodb);
  return consume(event);
}
