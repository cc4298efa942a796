import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readIngestConfig } from './config';
import { ingest } from './ingest';
import type { PutRecords } from './kinesis-writer';
import type { HttpEvent } from './request';
import type { HttpResponse } from './response';

interface LambdaContextLike {
  getRemainingTimeInMillis?: () => number;
}

// Created once per sandbox: config is read, and the client's connections are reused, across invocations.
const config = readIngestConfig(process.env);
const kinesis = new KinesisClient({
  region: config.region,
  ...(config.kinesisEndpoint ? { endpoint: config.kinesisEndpoint } : {}),
  // The writer retries failed entries and calls itself, within the function's deadline.
  maxAttempts: 1,
  // HTTP/1.1 with kept-alive connections: PutRecords needs nothing more, and kinesalite
  // speaks no HTTP/2 (the Kinesis client's default, for SubscribeToShard).
  requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 5000 }),
});
const putRecords: PutRecords = (input) => kinesis.send(new PutRecordsCommand(input));

export async function handler(event: HttpEvent, context: LambdaContextLike): Promise<HttpResponse> {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 10_000;
  return ingest(event, config, putRecords, Date.now() + remaining - config.deadlineMarginMs);
}
