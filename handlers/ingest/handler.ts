import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { answerDeadline } from './answer-deadline';
import { readIngestConfig } from './config';
import { ingest } from './ingest';
import type { PutRecords } from './kinesis-writer';
import type { HttpEvent } from './request';
import type { HttpResponse } from './response';
import { readTenantKeys, TenantKeyCache } from './tenant-keys';

interface LambdaContextLike {
  getRemainingTimeInMillis?: () => number;
}

// Created once per sandbox: config and keys are read, and the client's connections are reused, across invocations.
const config = readIngestConfig(process.env);
const keysParameter = config.keysParameter;
const keys =
  keysParameter === undefined ? undefined : new TenantKeyCache(() => readTenantKeys(config, keysParameter), config);
keys?.prefetch();
// A write ends by the answer deadline or its own window after decoding, whichever is later.
const longestWrite = Math.max(config.answerWithinMs, config.streamWindowMs);
const kinesis = new KinesisClient({
  region: config.region,
  ...(config.kinesisEndpoint ? { endpoint: config.kinesisEndpoint } : {}),
  // The writer retries failed entries and calls itself, within the ingest's deadline.
  maxAttempts: 1,
  // HTTP/1.1 with kept-alive connections: PutRecords needs nothing more, and kinesalite
  // speaks no HTTP/2 (the Kinesis client's default, for SubscribeToShard). Each call is
  // aborted at the ingest's deadline; these timeouts only bound a call that outlives it.
  requestHandler: new NodeHttpHandler({ connectionTimeout: longestWrite, requestTimeout: longestWrite }),
});
const putRecords: PutRecords = (input, abortSignal) => kinesis.send(new PutRecordsCommand(input), { abortSignal });

export async function handler(event: HttpEvent, context: LambdaContextLike): Promise<HttpResponse> {
  const remaining =
    typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Infinity;
  const deadline = answerDeadline(event?.requestContext?.requestTimeEpoch, Date.now(), remaining, config);
  return ingest(event, config, putRecords, deadline, keys);
}
