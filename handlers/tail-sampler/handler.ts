import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readConsumerConfig } from './config';
import { createConsumer } from './consumer';

// Created once per sandbox: config is read, and connections are reused, across invocations.
const config = readConsumerConfig(process.env);
const dynamodb = new DynamoDBClient({
  region: config.forward.region,
  ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
  requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 5000 }),
});

export const handler = createConsumer(config, dynamodb);
