import { backoffMs } from '../../src/backoff';
import { beforeDeadline } from './deadline';
import type { StreamRecord } from './records';

/**
 * `PutRecords` as the ingest uses it; the AWS SDK's KinesisClient in production. `signal`
 * aborts the call, from connecting to reading the answer, when the ingest's deadline comes.
 */
export type PutRecords = (
  input: {
    StreamName: string;
    Records: Array<{ Data: Uint8Array; PartitionKey: string }>;
  },
  signal: AbortSignal,
) => Promise<{ FailedRecordCount?: number; Records?: Array<{ ErrorCode?: string; ErrorMessage?: string }> }>;

export interface WriteResult {
  written: number;
  /** Records not accepted by the deadline, or refused for good. */
  failed: StreamRecord[];
  /** Why the last attempt failed, for the log and the 503 message. */
  lastError: string | undefined;
}

// Kinesis PutRecords limits.
const MAX_RECORDS_PER_CALL = 500;
const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;
// Retrying these cannot help: the stream is missing or the function may not write to it.
const FINAL_ERRORS = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'ValidationException',
  'InvalidArgumentException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSNotFoundException',
]);

export interface WriterOptions {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Splits records into calls of at most 500 records and 5 MiB. */
export function batches(records: StreamRecord[]): StreamRecord[][] {
  const out: StreamRecord[][] = [];
  let current: StreamRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = record.data.length + Buffer.byteLength(record.partitionKey);
    if (current.length > 0 && (current.length >= MAX_RECORDS_PER_CALL || bytes + size > MAX_BYTES_PER_CALL)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Writes every record, resending the entries a call failed (throttled, internal failure)
 * and whole calls that failed, with jittered exponential backoff, until `deadlineMs`: no call
 * starts after it, and a call still under way then is aborted. At least once: a record may
 * be written twice, never dropped silently.
 */
export async function writeRecords(
  records: StreamRecord[],
  streamName: string,
  putRecords: PutRecords,
  deadlineMs: number,
  options: WriterOptions = {},
): Promise<WriteResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const result: WriteResult = { written: 0, failed: [], lastError: undefined };
  for (const batch of batches(records)) {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (now() >= deadlineMs) {
        result.lastError ??= 'the deadline came before the stream was called';
        break;
      }
      if (attempt > 0) {
        const delay = backoffMs(attempt - 1, random);
        if (now() + delay >= deadlineMs) break;
        await sleep(delay);
      }
      try {
        const input = {
          StreamName: streamName,
          Records: pending.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
        };
        const response = await beforeDeadline(deadlineMs, now, (signal) => putRecords(input, signal));
        const entries = response.Records ?? [];
        const retry = pending.filter((_, i) => entries[i]?.ErrorCode !== undefined || entries[i] === undefined);
        result.written += pending.length - retry.length;
        if (retry.length > 0) {
          const sample = entries.find((e) => e.ErrorCode);
          result.lastError = sample
            ? `${sample.ErrorCode}: ${sample.ErrorMessage ?? ''}`.trim()
            : 'entries missing from the response';
        }
        pending = retry;
      } catch (error) {
        const name = (error as { name?: string }).name ?? 'Error';
        result.lastError =
          name === 'AbortError'
            ? 'the stream did not answer before the deadline'
            : `${name}: ${(error as Error).message}`;
        if (FINAL_ERRORS.has(name)) break;
      }
      if (now() >= deadlineMs) break;
    }
    result.failed.push(...pending);
  }
  return result;
}
