import { gunzipSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import {
  decodeStreamRecord,
  isGzip,
  parseExportRequest,
  StreamRecordError,
  traceIdOfKey,
} from '../../src/otlp/stream-record';
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

export function spansOf(request: OtlpExportRequest): OtlpSpan[] {
  // Loops, not nested flatMap: the consumer's hottest helper (bench/tail-sampler.ts), ~5× faster so.
  const spans: OtlpSpan[] = [];
  for (const rs of request.resourceSpans) for (const ss of rs.scopeSpans) for (const span of ss.spans) spans.push(span);
  return spans;
}

/** A stream record as a trace part; the partition key is the trace id (the stream's contract). */
export function decodeRecord(record: KinesisStreamRecord): TracePart {
  const traceId = traceIdOfKey(record.kinesis.partitionKey);
  const gzipped = Buffer.from(record.kinesis.data, 'base64');
  return {
    traceId,
    recordId: record.eventID,
    sequenceNumber: record.kinesis.sequenceNumber,
    gzipped,
    ...decodeStreamRecord(gzipped),
  };
}

// Inflated bytes gunzipped at a time: the bench's 500 records are ~0.3 MB; a batch of large
// records goes in several groups, so that no more than this is inflated at once beyond what
// decoding each record alone holds.
const GROUP_BYTES = 8 * 1024 * 1024;

/**
 * Records inflated in one gunzip of their concatenation, cut apart by each member's trailer
 * (ISIZE, its inflated length): one zlib stream for the lot instead of one a record, ~2.3×
 * faster on 500 records of the bench's size. zlib checks every member's length against its
 * trailer, and the total must be the sum of them, so a record that is not exactly one gzip
 * member (corrupt, trailing bytes, several members) makes it answer undefined, and the caller
 * inflates each record on its own.
 */
function inflateAll(gzipped: Buffer[], sizes: number[], total: number): Buffer[] | undefined {
  let json: Buffer;
  try {
    json = gunzipSync(Buffer.concat(gzipped), { maxOutputLength: Math.max(1, total) });
  } catch {
    return undefined;
  }
  if (json.length !== total) return undefined;
  let offset = 0;
  return sizes.map((size) => json.subarray(offset, (offset += size)));
}

/** Each record's inflated JSON, where a group's one gunzip gave it; undefined for the records to decode alone. */
function inflateGroups(gzipped: Buffer[]): Array<Buffer | undefined> {
  const out: Array<Buffer | undefined> = new Array(gzipped.length).fill(undefined);
  let first = 0;
  let sizes: number[] = [];
  let total = 0;
  const flush = (end: number): void => {
    if (end - first > 1)
      inflateAll(gzipped.slice(first, end), sizes, total)?.forEach((json, k) => (out[first + k] = json));
    first = end;
    sizes = [];
    total = 0;
  };
  gzipped.forEach((data, i) => {
    // The smallest gzip member is 20 bytes (10 of header, 2 of empty deflate, 8 of trailer).
    const size = data.length >= 20 && isGzip(data) ? data.readUInt32LE(data.length - 4) : undefined;
    if (size === undefined || size > GROUP_BYTES) {
      flush(i);
      first = i + 1;
      return;
    }
    if (total + size > GROUP_BYTES) flush(i);
    sizes.push(size);
    total += size;
  });
  flush(gzipped.length);
  return out;
}

/**
 * The batch's records as trace parts, in order, each either its part or why it cannot be one:
 * the same answers as `decodeRecord` on each.
 */
export function decodeRecords(records: KinesisStreamRecord[]): Array<TracePart | StreamRecordError> {
  const gzipped = records.map((r) => Buffer.from(r.kinesis.data, 'base64'));
  const inflated = inflateGroups(gzipped);
  return records.map((record, i) => {
    try {
      const json = inflated[i];
      if (!json) return decodeRecord(record);
      return {
        traceId: traceIdOfKey(record.kinesis.partitionKey),
        recordId: record.eventID,
        sequenceNumber: record.kinesis.sequenceNumber,
        gzipped: gzipped[i]!,
        request: parseExportRequest(json.toString('utf8')),
        jsonBytes: json.length,
      };
    } catch (error) {
      if (error instanceof StreamRecordError) return error;
      throw error;
    }
  });
}
