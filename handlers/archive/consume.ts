import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import { isObject } from '../../src/guards';
import { decodeStreamRecord, StreamRecordError } from '../../src/otlp/stream-record';
import type { OtlpExportRequest, OtlpSpan } from '../../src/otlp/types';
import { spanRows, type SpanRow } from '../../span-table/rows';
import { rangesOf } from '../stream-batch';
import { spanTableParquet } from './parquet';
import { capRow } from './row-limits';
import { dayOf, placedRow } from './span-time';

/** Writes one object of the archive bucket, whole (a retried batch writes the same key again). */
export type PutObject = (key: string, body: Uint8Array, contentType: string) => Promise<void>;

export type Log = (message: string, fields: Record<string, unknown>) => void;

export interface ArchiveDeps {
  put: PutObject;
  log?: Log;
}

/** Prefixes of the archive bucket: the span table (the Glue table's location), and what could not be read. */
export const SPANS_PREFIX = 'spans/';
export const ERRORS_PREFIX = 'errors/processing-failed/';

// The most JSON one row may take before its texts are cut (row-limits.ts): what the Firehose
// archive allowed (half its 4 MiB answer), so `hoptrace.truncated` means what it meant.
export const MAX_ROW_BYTES = 2 * 1024 * 1024;

function isStoredSpan(span: unknown): span is OtlpSpan {
  return (
    isObject(span) &&
    typeof span.traceId === 'string' &&
    typeof span.spanId === 'string' &&
    typeof span.name === 'string' &&
    typeof span.startTimeUnixNano === 'string' &&
    /^\d+$/.test(span.startTimeUnixNano) &&
    typeof span.endTimeUnixNano === 'string' &&
    /^\d+$/.test(span.endTimeUnixNano)
  );
}

/** A stream record as the rows need it: every span with its ids, name and times. */
export function readRecord(data: Buffer): OtlpExportRequest {
  const { request } = decodeStreamRecord(data);
  if (!request.resourceSpans.every((rs) => rs.scopeSpans.every((ss) => ss.spans.every(isStoredSpan)))) {
    throw new StreamRecordError('a span without string ids, name and decimal times');
  }
  return request;
}

/** The request's rows, each placed by its own start time (or by `receivedMs`) and cut to fit `maxRowBytes`. */
export function placedRows(request: OtlpExportRequest, receivedMs: number, maxRowBytes = MAX_ROW_BYTES): SpanRow[] {
  const rows = spanRows(request);
  // spanRows walks resources, scopes and spans in this same order.
  const spans = request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  return rows.map((row, i) => capRow(placedRow(row, spans[i]!.startTimeUnixNano, receivedMs), maxRowBytes).row);
}

/** What the error prefix keeps of a record it could not read: enough to find it and read it again. */
interface ErrorLine {
  eventID: string;
  partitionKey: string;
  approximateArrivalTimestamp: number;
  errorMessage: string;
  /** The record's data as the stream holds it, base64. */
  rawData: string;
}

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * One batch of stream records from one shard, as the event source mapping hands it: each
 * record's spans become rows (placed by their own start day, or by when the stream received
 * them when that start is not sane; a row too large cut, `hoptrace.truncated`), and each day's
 * rows one Parquet object, `spans/dt=DAY/<shard>-<first>-<last>.parquet`, named by the batch's
 * first and last sequence numbers: a batch delivered again writes the same objects again, not
 * a second copy. A record that cannot be read goes to `errors/processing-failed/dt=DAY/` (the
 * day it arrived) as JSON lines with its data, and the rest of the batch goes on. The records
 * of an object that could not be written are reported as failed, so the stream delivers them
 * again; nothing is acknowledged before it is stored.
 */
export async function archiveBatch(
  records: readonly KinesisStreamRecord[],
  deps: ArchiveDeps,
): Promise<KinesisStreamBatchResponse> {
  if (records.length === 0) return { batchItemFailures: [] };
  const log = deps.log ?? ((message, fields) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })));
  const ranges = rangesOf(records.map((r) => ({ recordId: r.eventID, sequenceNumber: r.kinesis.sequenceNumber })));
  // The mapping hands one shard's records; joined all the same should a batch ever span more.
  const name = [...ranges].map(([shard, { first, last }]) => `${shard}-${first}-${last}`).join('_');

  const days = new Map<string, { rows: SpanRow[]; records: KinesisStreamRecord[] }>();
  const errors: ErrorLine[] = [];
  const unreadable: KinesisStreamRecord[] = [];
  for (const record of records) {
    const data = Buffer.from(record.kinesis.data, 'base64');
    const receivedMs = record.kinesis.approximateArrivalTimestamp * 1000;
    let request: OtlpExportRequest;
    try {
      request = readRecord(data);
    } catch (error) {
      if (!(error instanceof StreamRecordError)) throw error;
      log('record is not a stream record; kept under the error prefix', {
        eventID: record.eventID,
        reason: error.message,
      });
      unreadable.push(record);
      errors.push({
        eventID: record.eventID,
        partitionKey: record.kinesis.partitionKey,
        approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
        errorMessage: error.message,
        rawData: record.kinesis.data,
      });
      continue;
    }
    for (const row of placedRows(request, receivedMs)) {
      const day = dayOf(row);
      let part = days.get(day);
      if (!part) days.set(day, (part = { rows: [], records: [] }));
      part.rows.push(row);
      if (part.records.at(-1) !== record) part.records.push(record);
    }
  }

  const writes: Array<{ key: string; body: Uint8Array; type: string; records: KinesisStreamRecord[] }> = [];
  for (const [day, part] of days) {
    writes.push({
      key: `${SPANS_PREFIX}dt=${day}/${name}.parquet`,
      body: spanTableParquet(part.rows),
      type: 'application/vnd.apache.parquet',
      records: part.records,
    });
  }
  if (errors.length > 0) {
    writes.push({
      key: `${ERRORS_PREFIX}dt=${utcDay(errors[0]!.approximateArrivalTimestamp * 1000)}/${name}.jsonl`,
      body: Buffer.from(errors.map((e) => `${JSON.stringify(e)}\n`).join('')),
      type: 'application/x-ndjson',
      records: unreadable,
    });
  }

  const failed = new Set<string>();
  const results = await Promise.allSettled(writes.map((w) => deps.put(w.key, w.body, w.type)));
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') return;
    const write = writes[i]!;
    log('could not write to the archive; its records will be delivered again', {
      key: write.key,
      records: write.records.length,
      error: String(result.reason),
    });
    for (const record of write.records) failed.add(record.kinesis.sequenceNumber);
  });
  return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
}
