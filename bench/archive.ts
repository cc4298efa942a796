import { gunzipSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import { archiveBatch } from '../handlers/archive/consume';
import { readIngestConfig } from '../handlers/ingest/config';
import { decodeExportRequest } from '../handlers/ingest/decode';
import { buildRecords } from '../handlers/ingest/records';
import { spansPerCpuSecond } from './ingest';
import { otlpPayload } from './payload';

export interface ArchiveResult {
  spansPerSecond: number;
  boundSpansPerSecond: number;
  streamBytesPerSpan: number;
  parquetBytesPerSpan: number;
}

// As the deployed event source mapping hands them (infra/archive.yml's BatchSize).
const BATCH_RECORDS = 1000;

/**
 * The archive function on 10,000 spans of stream records as the ingest writes them (1,000
 * traces of 10), in the batches the event source mapping hands it, each written as Parquet
 * (hyparquet-writer, Snappy) into a bucket in memory, against the bound: gunzip + JSON.parse
 * + JSON.stringify of the same records. Then the Parquet against the stream's bytes.
 */
export async function archiveThroughput(seconds: number): Promise<ArchiveResult> {
  const config = readIngestConfig({ HOPTRACE_STREAM_NAME: 'bench', HOPTRACE_INGEST_AUTH: 'none' });
  const decoded = decodeExportRequest(
    { format: 'json', text: otlpPayload(1000, 10) },
    { maxCount: 128, maxValueLength: 8192, redactor: config.redactor },
  );
  const built = buildRecords(decoded.groups).records;
  const spans = built.reduce((n, r) => n + r.spans, 0);
  const arrival = Date.now() / 1000;
  const records: KinesisStreamRecord[] = built.map((r, i) => ({
    awsRegion: 'us-east-1',
    eventID: `shardId-000000000000:${i + 1}`,
    eventName: 'aws:kinesis:record',
    eventSource: 'aws:kinesis',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
    eventVersion: '1.0',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
    kinesis: {
      approximateArrivalTimestamp: arrival,
      data: r.data.toString('base64'),
      kinesisSchemaVersion: '1.0',
      partitionKey: r.partitionKey,
      sequenceNumber: String(i + 1),
    },
  }));
  const batches: KinesisStreamRecord[][] = [];
  for (let i = 0; i < records.length; i += BATCH_RECORDS) batches.push(records.slice(i, i + BATCH_RECORDS));
  let parquetBytes = 0;
  const spansPerSecond = await spansPerCpuSecond(spans, seconds, async () => {
    parquetBytes = 0;
    for (const batch of batches)
      await archiveBatch(batch, {
        put: async (_key, body) => {
          parquetBytes += body.length;
        },
      });
  });
  const boundSpansPerSecond = await spansPerCpuSecond(spans, seconds, () => {
    for (const r of built) JSON.stringify(JSON.parse(gunzipSync(r.data).toString('utf8')));
  });
  const streamBytes = built.reduce((n, r) => n + r.data.length, 0);
  return {
    spansPerSecond,
    boundSpansPerSecond,
    streamBytesPerSpan: streamBytes / spans,
    parquetBytesPerSpan: parquetBytes / spans,
  };
}
