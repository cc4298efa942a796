import { gzipSync } from 'node:zlib';
import { parseTenantKeys } from '../handlers/ingest/auth';
import { readIngestConfig } from '../handlers/ingest/config';
import { decodeExportRequest } from '../handlers/ingest/decode';
import { ingest } from '../handlers/ingest/ingest';
import { deadlineIn } from '../testing/ingest-deadline';
import { batches, type PutRecords } from '../handlers/ingest/kinesis-writer';
import { readExportRequest } from '../src/otlp/protobuf-decode';
import { DEFAULT_REQUEST_LIMITS, WorkBudget } from '../handlers/ingest/request-limits';
import { buildRecords } from '../handlers/ingest/records';
import { TenantKeyCache } from '../handlers/ingest/tenant-keys';
import { toProtobuf } from '../testing/otlp-protobuf';
import { otlpPayload } from './payload';

const KEY = 'bench-key-0123456789';
const config = readIngestConfig({
  HOPTRACE_STREAM_NAME: 'bench',
  HOPTRACE_INGEST_KEYS_PARAMETER: '/bench/keys',
  HOPTRACE_MAX_RECORDS_PER_REQUEST: '1000000',
});
const keys = new TenantKeyCache(async () => parseTenantKeys(JSON.stringify({ bench: [KEY] }), 'bench'), config);
const accept: PutRecords = async ({ Records }) => ({ FailedRecordCount: 0, Records: Records.map(() => ({})) });
const rules = { maxCount: 128, maxValueLength: 8192, redactor: config.redactor };

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

export interface Throughput {
  spansPerSecond: number;
  boundSpansPerSecond: number;
}

export interface IngestResult {
  json: Throughput;
  protobuf: Throughput;
}

/** A REST API event (payload 1.0) as the ingest receives it: every body base64-encoded. */
const restEvent = (body: Buffer, contentType: string) => ({
  httpMethod: 'POST',
  headers: { 'content-type': contentType, 'x-api-key': KEY },
  body: body.toString('base64'),
  isBase64Encoded: true,
});

/**
 * The ingest handler's own work (auth, decode, validate, redact, group, encode records) on
 * requests of 1,000 spans, Kinesis replaced by an instant fake, in each encoding. Next to
 * each its bound: what any ingest must do with the same bytes, decode them (JSON.parse, or
 * the protobuf reader), write the stream's JSON and gzip it.
 */
export async function ingestThroughput(seconds: number): Promise<IngestResult> {
  const json = otlpPayload(100, 10);
  const protobuf = toProtobuf(JSON.parse(json));
  const measure = async (body: Buffer, contentType: string, decode: () => unknown): Promise<Throughput> => {
    const event = restEvent(body, contentType);
    const spansPerSecond = await spansPerCpuSecond(1000, seconds, async () => {
      const response = await ingest(event, config, accept, deadlineIn(10_000), keys);
      if (response.statusCode !== 200) throw new Error(response.body);
    });
    const boundSpansPerSecond = await spansPerCpuSecond(1000, seconds, () => gzipSync(JSON.stringify(decode())));
    return { spansPerSecond, boundSpansPerSecond };
  };
  return {
    json: await measure(Buffer.from(json), 'application/json', () => JSON.parse(json)),
    protobuf: await measure(protobuf, 'application/x-protobuf', () =>
      readExportRequest(protobuf, new WorkBudget(DEFAULT_REQUEST_LIMITS)),
    ),
  };
}

export interface StreamResult {
  rawBytesPerSpan: number;
  protobufBytesPerSpan: number;
  streamBytesPerSpan: number;
  records: number;
  putRecordsCalls: number;
  /** A 5 MiB body of one-span traces: how many spans, records and PutRecords calls it would become. */
  oneSpanTraces: { spans: number; records: number; putRecordsCalls: number };
}

/** 10,000 spans (1,000 traces of 10): bytes per span in the stream against raw OTLP JSON and protobuf. */
export function streamEfficiency(): StreamResult {
  const json = otlpPayload(1000, 10);
  const decoded = decodeExportRequest({ format: 'json', text: json }, rules);
  const spans = decoded.groups.reduce((n, g) => n + g.scopes.reduce((m, s) => m + s.spans.length, 0), 0);
  const { records } = buildRecords(decoded.groups);
  const streamBytes = records.reduce((n, r) => n + r.data.length + r.partitionKey.length, 0);
  const single = otlpPayload(1, 1);
  const perTrace = Buffer.byteLength(single);
  const oneSpan = otlpPayload(Math.floor((5 * 1024 * 1024) / perTrace), 1);
  const oneSpanRecords = buildRecords(
    decodeExportRequest({ format: 'json', text: oneSpan }, rules, { ...DEFAULT_REQUEST_LIMITS, maxTraces: Infinity })
      .groups,
  ).records;
  return {
    rawBytesPerSpan: Buffer.byteLength(json) / spans,
    protobufBytesPerSpan: toProtobuf(JSON.parse(json)).length / spans,
    streamBytesPerSpan: streamBytes / spans,
    records: records.length,
    putRecordsCalls: batches(records).length,
    oneSpanTraces: {
      spans: oneSpanRecords.length,
      records: oneSpanRecords.length,
      putRecordsCalls: batches(oneSpanRecords).length,
    },
  };
}
