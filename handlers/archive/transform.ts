import { isObject } from '../../src/guards';
import { decodeStreamRecord, StreamRecordError } from '../../src/otlp/stream-record';
import type { OtlpExportRequest, OtlpSpan, ResourceGroup, ScopeGroup } from '../../src/otlp/types';
import { writeRecords, type PutRecords } from '../ingest/kinesis-writer';
import { buildRecords, type StreamRecord } from '../ingest/records';
import { partitionOf, spanRows, type SpanRow } from './span-table';

/** A Firehose data-transformation invocation (only the fields used). */
export interface FirehoseTransformationEvent {
  records: Array<{ recordId: string; data: string }>;
}

export type TransformationResult = 'Ok' | 'Dropped' | 'ProcessingFailed';

export interface TransformedRecord {
  recordId: string;
  result: TransformationResult;
  data: string;
  metadata?: { partitionKeys: Record<string, string> };
}

export interface TransformerConfig {
  /** Where a record too large for one answer is put back, split into smaller ones. */
  streamName: string;
  putRecords: PutRecords;
  deadlineMs: number;
  /** Row bytes one answer may carry (Lambda answers at most 6 MB, base64 adds a third). */
  outputBudgetBytes?: number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/** 4 MiB of rows is 5.6 MB of base64: the answer stays under Lambda's 6 MB. */
export const OUTPUT_BUDGET_BYTES = 4 * 1024 * 1024;

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
function readRecord(data: Buffer): OtlpExportRequest {
  const { request } = decodeStreamRecord(data);
  if (!request.resourceSpans.every((rs) => rs.scopeSpans.every((ss) => ss.spans.every(isStoredSpan)))) {
    throw new StreamRecordError('a span without string ids, name and decimal times');
  }
  return request;
}

/** Rows as Firehose's JSON deserialiser reads them: one JSON document a line. */
function rowsText(rows: readonly SpanRow[]): string {
  let out = '';
  for (const r of rows) out += `${JSON.stringify(r)}\n`;
  return out;
}

function asGroups(request: OtlpExportRequest): ResourceGroup[] {
  return request.resourceSpans.map((rs) => ({
    resource: rs.resource ?? {},
    ...(rs.schemaUrl ? { schemaUrl: rs.schemaUrl } : {}),
    scopes: rs.scopeSpans.map((ss) => ({ scope: ss.scope ?? {}, ...(ss.schemaUrl ? { schemaUrl: ss.schemaUrl } : {}), spans: ss.spans })),
  }));
}

/**
 * The request cut into parts whose rows each fit in half the budget, as stream records
 * (gzipped OTLP JSON, partition key = trace id), so that each comes back through Firehose
 * in an answer of its own.
 */
function splitForStream(request: OtlpExportRequest, rowBytes: number, budget: number): StreamRecord[] {
  const placed = asGroups(request).flatMap((group) => group.scopes.flatMap((scope) => scope.spans.map((span) => ({ group, scope, span }))));
  const perPart = Math.ceil(placed.length / Math.max(2, Math.ceil(rowBytes / (budget / 2))));
  const records: StreamRecord[] = [];
  for (let i = 0; i < placed.length; i += perPart) {
    const part = new Map<ResourceGroup, Map<ScopeGroup, OtlpSpan[]>>();
    for (const { group, scope, span } of placed.slice(i, i + perPart)) {
      let scopes = part.get(group);
      if (!scopes) part.set(group, (scopes = new Map()));
      let spans = scopes.get(scope);
      if (!spans) scopes.set(scope, (spans = []));
      spans.push(span);
    }
    const groups = [...part].map(([group, scopes]) => ({ ...group, scopes: [...scopes].map(([scope, spans]) => ({ ...scope, spans })) }));
    records.push(...buildRecords(groups).records);
  }
  return records;
}

/**
 * The Firehose transformation: each stream record becomes its spans' rows (JSON lines the
 * Parquet conversion reads against the Glue table), partitioned by the day it started. A
 * record that cannot be read is `ProcessingFailed` (Firehose keeps it under the error
 * prefix) and the rest of the batch goes on. Rows that would push the answer past Lambda's
 * limit are put back into the stream, split when one record alone is too large, and the
 * original is `Dropped` only once the stream has them: never lost.
 */
export async function transform(event: FirehoseTransformationEvent, config: TransformerConfig): Promise<{ records: TransformedRecord[] }> {
  const budget = config.outputBudgetBytes ?? OUTPUT_BUDGET_BYTES;
  const log = config.log ?? ((message, fields) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })));
  let used = 0;
  const out: TransformedRecord[] = [];
  for (const record of event.records) {
    const data = Buffer.from(record.data, 'base64');
    let request: OtlpExportRequest;
    try {
      request = readRecord(data);
    } catch (error) {
      if (!(error instanceof StreamRecordError)) throw error;
      log('record is not a stream record; sent to the error prefix', { recordId: record.recordId, reason: error.message });
      out.push({ recordId: record.recordId, result: 'ProcessingFailed', data: record.data });
      continue;
    }
    const rows = spanRows(request);
    if (rows.length === 0) {
      out.push({ recordId: record.recordId, result: 'Dropped', data: '' });
      continue;
    }
    const text = rowsText(rows);
    const bytes = Buffer.byteLength(text);
    if (used + bytes <= budget) {
      used += bytes;
      out.push({ recordId: record.recordId, result: 'Ok', data: Buffer.from(text).toString('base64'), metadata: { partitionKeys: { dt: partitionOf(rows) } } });
      continue;
    }
    const partitionKey = rows[0]!.trace_id;
    const again = bytes <= budget ? [{ partitionKey, data, spans: rows.length }] : splitForStream(request, bytes, budget);
    const written = await writeRecords(again, config.streamName, config.putRecords, config.deadlineMs);
    if (written.failed.length === 0) {
      log('record put back into the stream to fit the answer', { recordId: record.recordId, rowBytes: bytes, parts: again.length });
      out.push({ recordId: record.recordId, result: 'Dropped', data: '' });
    } else {
      log('record could not be put back; sent to the error prefix', { recordId: record.recordId, lastError: written.lastError });
      out.push({ recordId: record.recordId, result: 'ProcessingFailed', data: record.data });
    }
  }
  return { records: out };
}
