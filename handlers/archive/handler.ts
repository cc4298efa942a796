import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readOrRefuse } from '../../src/config/env';
import type { PutRecords } from '../ingest/kinesis-writer';
import * as ENV from './env';
import { transform, type FirehoseTransformationEvent, type TransformedRecord } from './transform';

interface LambdaContextLike {
  getRemainingTimeInMillis?: () => number;
}

// Kept back from the function's deadline to answer Firehose.
const DEADLINE_MARGIN_MS = 1000;

const streamName = readOrRefuse(process.env, ENV.streamName);
const endpoint = readOrRefuse(process.env, ENV.kinesisEndpoint);
// Created once per sandbox; only used for the rare record too large for one answer.
const kinesis = new KinesisClient({
  ...(endpoint ? { endpoint } : {}),
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 5000 }),
});
const putRecords: PutRecords = (input) => kinesis.send(new PutRecordsCommand(input));

export async function handler(
  event: FirehoseTransformationEvent,
  context: LambdaContextLike,
): Promise<{ records: TransformedRecord[] }> {
  const remaining =
    typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 60_000;
  return transform(event, { streamName, putRecords, deadlineMs: Date.now() + remaining - DEADLINE_MARGIN_MS });
}
