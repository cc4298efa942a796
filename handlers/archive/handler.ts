import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { readOrRefuse } from '../../src/config/env';
import { archiveBatch, type PutObject } from './consume';
import * as ENV from './env';

const bucket = readOrRefuse(process.env, ENV.bucket);
const endpoint = readOrRefuse(process.env, ENV.s3Endpoint);
// Created once per sandbox: connections are reused across batches. The SDK's retries ride out
// a throttled or briefly failing PUT; past them the batch's records are delivered again.
const s3 = new S3Client({
  ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 10_000 }),
});
const put: PutObject = async (key, body, contentType) => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
};

export function handler(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  return archiveBatch(event.Records, { put });
}
