import { createHash } from 'node:crypto';
import { isObject } from '../../src/guards';
import { decodeStreamRecord, StreamRecordError } from '../../src/otlp/stream-record';
import type { OtlpExportRequest, OtlpSpan, ResourceGroup, ScopeGroup } from '../../src/otlp/types';
import { writeRecords, type PutRecords } from '../ingest/kinesis-writer';
import { buildRecords, type StreamRecord } from '../ingest/records';
import { capRow, type RowLine } from './row-limits';
import { spanRows } from '../../span-table/rows';
import { dayOf, placedRow } from './span-time';

/** A Firehose data-transformation invocation (only the fields used). */
export interface FirehoseTransformationEvent {
  records: Array<{
    recordId: string;
    data: string;
    /** When the stream received the record, ms since the epoch (set for a Kinesis source). */
    approximateArrivalTimestamp?: number;
    kinesisRecordMetadata?: { partitionKey?: string };
  }>;
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
  /** The time a record without an arrival time was received. */
  now?: () => number;
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

function asGroups(request: OtlpExportRequest): ResourceGroup[] {
  return request.resourceSpans.map((rs) => ({
    resource: rs.resource ?? {},
    ...(rs.schemaUrl ? { schemaUrl: rs.schemaUrl } : {}),
    scopes: rs.scopeSpans.map((ss) => ({
      scope: ss.scope ?? {},
      ...(ss.schemaUrl ? { schemaUrl: ss.schemaUrl } : {}),
      spans: ss.spans,
    })),
  }));
}

/** A span's row as the archive stores it, and where it was placed. */
interface Placed extends RowLine {
  span: OtlpSpan;
  /** Placed by the time the stream received it, not its own start. */
  byArrival: boolean;
}

/** The request's rows, each placed by its own start time and cut to fit an answer alone. */
function place(request: OtlpExportRequest, receivedMs: number, maxRowBytes: number): Placed[] {
  const rows = spanRows(request);
  // spanRows walks resources, scopes and spans in this same order.
  const spans = request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  const out: Placed[] = [];
  for (let i = 0; i < rows.length; i++) {
    const span = spans[i]!;
    const timed = placedRow(rows[i]!, span.startTimeUnixNano, receivedMs);
    const { row, line } = capRow(timed, maxRowBytes);
    out.push({ row, line, span, byArrival: timed !== rows[i] });
  }
  return out;
}

/**
 * The spans as stream records (gzipped OTLP JSON, partition key = trace id) to put back, one
 * set per day and placement, each record's rows within half the budget, so that each comes
 * back through Firehose into an answer of its own and one partition.
 */
function splitForStream(request: OtlpExportRequest, placed: readonly Placed[], budget: number): StreamRecord[] {
  const where = new Map<OtlpSpan, { group: ResourceGroup; scope: ScopeGroup }>();
  for (const group of asGroups(request))
    for (const scope of group.scopes) for (const span of scope.spans) where.set(span, { group, scope });
  const sets = new Map<string, Array<{ spans: Placed[]; bytes: number }>>();
  for (const p of placed) {
    const key = `${dayOf(p.row)}/${p.byArrival}`;
    const bytes = Buffer.byteLength(p.line);
    const parts = sets.get(key) ?? [];
    sets.set(key, parts);
    const last = parts.at(-1);
    if (last && last.bytes + bytes <= budget / 2) {
      last.spans.push(p);
      last.bytes += bytes;
    } else parts.push({ spans: [p], bytes });
  }
  const records: StreamRecord[] = [];
  for (const part of [...sets.values()].flat()) {
    const byGroup = new Map<ResourceGroup, Map<ScopeGroup, OtlpSpan[]>>();
    for (const { span } of part.spans) {
      const { group, scope } = where.get(span)!;
      let scopes = byGroup.get(group);
      if (!scopes) byGroup.set(group, (scopes = new Map()));
      let spans = scopes.get(scope);
      if (!spans) scopes.set(scope, (spans = []));
      spans.push(span);
    }
    const groups = [...byGroup].map(([group, scopes]) => ({
      ...group,
      scopes: [...scopes].map(([scope, spans]) => ({ ...scope, spans })),
    }));
    records.push(...buildRecords(groups).records);
  }
  return records;
}

/**
 * The Firehose transformation: each stream record becomes its spans' rows (JSON lines the
 * Parquet conversion reads against the Glue table), in the partition of the day they
 * started. A row too large for an answer is cut to fit (`hoptrace.truncated`); a span whose
 * start is outside the sane window is placed when the stream received it. A record that
 * cannot be read is `ProcessingFailed` (Firehose keeps it under the error prefix) and the rest
 * of the batch goes on. Every record's bytes count in the answer's budget (Lambda's 6 MB); a
 * record that does not fit is put back into the stream, as it is when it fits a fresh answer
 * alone, split by size and day when it holds several days or more than an answer: each part
 * smaller than the record, so no record goes round unchanged for good. The original is
 * `Dropped` only once the stream has its parts: never lost.
 */
export async function transform(
  event: FirehoseTransformationEvent,
  config: TransformerConfig,
): Promise<{ records: TransformedRecord[] }> {
  const budget = config.outputBudgetBytes ?? OUTPUT_BUDGET_BYTES;
  const log = config.log ?? ((message, fields) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })));
  const now = config.now ?? Date.now;
  let used = 0;
  const out: TransformedRecord[] = [];
  /** Answers `ProcessingFailed` with the record's bytes when they fit; its reason is logged either way. */
  const processingFailed = (record: FirehoseTransformationEvent['records'][number], bytes: number): void => {
    const fits = used + bytes <= budget;
    if (fits) used += bytes;
    out.push({ recordId: record.recordId, result: 'ProcessingFailed', data: fits ? record.data : '' });
  };
  const putBack = async (
    record: FirehoseTransformationEvent['records'][number],
    again: StreamRecord[],
    fields: Record<string, unknown>,
    bytes: number,
  ): Promise<void> => {
    const written = await writeRecords(again, config.streamName, config.putRecords, config.deadlineMs);
    if (written.failed.length === 0) {
      log('record put back into the stream to fit the answer', {
        recordId: record.recordId,
        parts: again.length,
        ...fields,
      });
      out.push({ recordId: record.recordId, result: 'Dropped', data: '' });
    } else {
      log('record could not be put back; sent to the error prefix', {
        recordId: record.recordId,
        lastError: written.lastError,
      });
      processingFailed(record, bytes);
    }
  };

  for (const record of event.records) {
    const data = Buffer.from(record.data, 'base64');
    let request: OtlpExportRequest;
    try {
      request = readRecord(data);
    } catch (error) {
      if (!(error instanceof StreamRecordError)) throw error;
      log('record is not a stream record; sent to the error prefix', {
        recordId: record.recordId,
        reason: error.message,
      });
      if (used + data.length <= budget) {
        processingFailed(record, data.length);
      } else {
        // Its bytes belong under the error prefix, in an answer with room for them.
        const partitionKey =
          record.kinesisRecordMetadata?.partitionKey ?? createHash('sha256').update(data).digest('hex').slice(0, 32);
        await putBack(record, [{ partitionKey, data, spans: 0 }], { unreadable: true }, data.length);
      }
      continue;
    }
    const placed = place(request, record.approximateArrivalTimestamp ?? now(), budget / 2);
    if (placed.length === 0) {
      out.push({ recordId: record.recordId, result: 'Dropped', data: '' });
      continue;
    }
    const text = placed.map((p) => p.line).join('');
    const bytes = Buffer.byteLength(text);
    const days = new Set(placed.map((p) => dayOf(p.row)));
    if (days.size === 1 && used + bytes <= budget) {
      used += bytes;
      out.push({
        recordId: record.recordId,
        result: 'Ok',
        data: Buffer.from(text).toString('base64'),
        metadata: { partitionKeys: { dt: [...days][0]! } },
      });
      continue;
    }
    const again =
      days.size === 1 && bytes <= budget
        ? [{ partitionKey: placed[0]!.span.traceId, data, spans: placed.length }]
        : splitForStream(request, placed, budget);
    await putBack(record, again, { rowBytes: bytes, days: days.size }, data.length);
  }
  return { records: out };
}
