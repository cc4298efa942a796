import { gzipSync } from 'node:zlib';
import { readIngestConfig } from '../handlers/ingest/config';
import { decodeExportRequest } from '../handlers/ingest/decode';
import { ingest } from '../handlers/ingest/ingest';
import { batches, type PutRecords } from '../handlers/ingest/kinesis-writer';
import { buildRecords } from '../handlers/ingest/records';
import { otlpPayload } from './payload';

const config = readIngestConfig({ HOPTRACE_STREAM_NAME: 'bench', HOPTRACE_INGEST_AUTH: 'none' });
const accept: PutRecords = async ({ Records }) => ({ FailedRecordCount: 0, Records: Records.map(() => ({})) });

/** Spans per CPU second of `work`, run for about `seconds` after a warm-up. */
export async function spansPerCpuSecond(spans: number, seconds: number, work: () => unknown): Promise<number> {
  for (let i = 0; i < 5; i++) await work();
  const start = process.cpuUsage();
  const wallStart = Date.now();
  let iterations = 0;
  while (Date.now() - wallStart < seconds * 1000) {
    await work();
    iterations++;
  }
  const cpu = process.cpuUsage(start);
  return (spans * iterations) / ((cpu.user + cpu.system) / 1e6);
}

export interface IngestResult {
  spansPerSecond: number;
  boundSpansPerSecond: number;
}

/**
 * The ingest handler's own work (decode, validate, redact, group, encode records) on
 * requests of 1,000 spans, Kinesis replaced by an instant fake; next to it the bound: the
 * same payload through JSON.parse + JSON.stringify + gzip alone.
 */
export async function ingestThroughput(seconds: number): Promise<IngestResult> {
  const json = otlpPayload(100, 10);
  const event = { requestContext: { http: { method: 'POST' } }, headers: { 'content-type': 'application/json' }, body: json, isBase64Encoded: false };
  const spansPerSecond = await spansPerCpuSecond(1000, seconds, async () => {
    const response = await ingest(event, config, accept, Date.now() + 10_000);
    if (response.statusCode !== 200) throw new Error(response.body);
  });
  const boundSpansPerSecond = await spansPerCpuSecond(1000, seconds, () => gzipSync(JSON.stringify(JSON.parse(json))));
  return { spansPerSecond, boundSpansPerSecond };
}

export interface StreamResult {
  rawBytesPerSpan: number;
  streamBytesPerSpan: number;
  records: number;
  putRecordsCalls: number;
}

/** 10,000 spans (1,000 traces of 10): bytes per span in the stream against raw OTLP JSON. */
export function streamEfficiency(): StreamResult {
  const json = otlpPayload(1000, 10);
  const decoded = decodeExportRequest(json, { maxCount: 128, maxValueLength: 8192, redactor: config.redactor });
  const { records } = buildRecords(decoded.groups);
  const streamBytes = records.reduce((n, r) => n + r.data.length + r.partitionKey.length, 0);
  return {
    rawBytesPerSpan: Buffer.byteLength(json) / decoded.accepted,
    streamBytesPerSpan: streamBytes / decoded.accepted,
    records: records.length,
    putRecordsCalls: batches(records).length,
  };
}
