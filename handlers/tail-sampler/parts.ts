import { gunzipSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import { isObject } from '../../src/guards';
import type { OtlpExportRequest, OtlpSpan } from '../../src/otlp/types';

/** One stream record: the spans of one trace that one function flushed. */
export interface TracePart {
  traceId: string;
  /** Unique across the stream: `shardId:sequenceNumber`, the record's Lambda eventID. */
  recordId: string;
  /** What the event source mapping expects in `batchItemFailures`. */
  sequenceNumber: string;
  request: OtlpExportRequest;
  /** The record's gzipped content, stored as is when the part waits for a decision. */
  gzipped: Buffer;
  /** Size of the OTLP JSON, for packing parts into forward requests. */
  jsonBytes: number;
}

export class BadRecordError extends Error {}

export function spansOf(request: OtlpExportRequest): OtlpSpan[] {
  return request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
}

/** Parses a record's content (gzipped OTLP JSON) into an export request. */
export function parseRequest(gzipped: Buffer): { request: OtlpExportRequest; jsonBytes: number } {
  let body: unknown;
  let jsonBytes = 0;
  try {
    const json = gunzipSync(gzipped);
    jsonBytes = json.length;
    body = JSON.parse(json.toString('utf8'));
  } catch (error) {
    throw new BadRecordError(`not gzipped OTLP JSON: ${(error as Error).message}`);
  }
  if (!isObject(body) || !Array.isArray(body.resourceSpans)) throw new BadRecordError('not an ExportTraceServiceRequest: no resourceSpans array');
  for (const rs of body.resourceSpans as unknown[]) {
    if (!isObject(rs) || !Array.isArray(rs.scopeSpans)) throw new BadRecordError('a resourceSpans entry has no scopeSpans array');
    for (const ss of rs.scopeSpans as unknown[]) if (!isObject(ss) || !Array.isArray(ss.spans)) throw new BadRecordError('a scopeSpans entry has no spans array');
  }
  return { request: body as unknown as OtlpExportRequest, jsonBytes };
}

/** A stream record as a trace part; the partition key is the trace id (the stream's contract). */
export function decodeRecord(record: KinesisStreamRecord): TracePart {
  const traceId = record.kinesis.partitionKey;
  if (!/^[0-9a-f]{32}$/.test(traceId)) throw new BadRecordError(`partition key "${traceId.slice(0, 64)}" is not a trace id`);
  const gzipped = Buffer.from(record.kinesis.data, 'base64');
  return { traceId, recordId: record.eventID, sequenceNumber: record.kinesis.sequenceNumber, gzipped, ...parseRequest(gzipped) };
}
