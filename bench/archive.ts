import { gunzipSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import { archiveBatch, placedRows, readRecord } from '../handlers/archive/consume';
import { spanTableParquet } from '../handlers/archive/parquet';
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

/**
 * The archive function on 10,000 spans of stream records as the ingest writes them (1,000
 * traces of 10) in one batch, as the event source mapping hands them (up to 10,000 records,
 * infra/archive.yml), written as Parquet (hyparquet-writer, Snappy) into a bucket in memory,
 * against the bound: what no archive can skip, gunzip + JSON.parse of the same records and
 * the Parquet encoding of their rows, made beforehand. Then the Parquet against the stream's
 * bytes.
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
  let parquetBytes = 0;
  const spansPerSecond = await spansPerCpuSecond(spans, seconds, async () => {
    parquetBytes = 0;
    await archiveBatch(records, {
      put: async (_key, body) => {
        parquetBytes += body.length;
      },
    });
  });
  const rows = built.flatMap((r) => placedRows(readRecord(r.data), arrival * 1000));
  const boundSpansPerSecond = await spansPerCpuSecond(spans, seconds, () => {
    for (const r of built) JSON.parse(gunzipSync(r.data).toString('utf8'));
    spanTableParquet(rows);
  });
  const streamBytes = built.reduce((n, r) => n + r.data.length, 0);
  return {
    spansPerSecond,
    boundSpansPerSecond,
    streamBytesPerSpan: streamBytes / spans,
    parquetBytesPerSpan: parquetBytes / spans,
  };
}
