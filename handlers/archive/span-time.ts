import { HoptraceAttribute } from '../../src/otlp/hoptrace-attributes';
import { nanosToIso, type SpanRow } from '../../span-table/rows';

// A span starts at most this long before the stream received it (a sandbox frozen with spans
// spooled, a sender retrying), and at most this far after (clock skew).
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const MAX_AHEAD_MS = 10 * 60 * 1000;

/**
 * The row as the archive places it: by its own start time when that is within the window
 * around `receivedMs` (when the stream received the record); otherwise at `receivedMs`, with
 * the start time as sent kept in `hoptrace.sent_start_time_unix_nano` and no duration, which
 * the sent times cannot tell.
 */
export function placedRow(row: SpanRow, startTimeUnixNano: string, receivedMs: number): SpanRow {
  // Whole milliseconds from the decimal string, without a BigInt per span.
  const startMs = Number(startTimeUnixNano.slice(0, -6) || '0');
  if (startMs >= receivedMs - MAX_AGE_MS && startMs <= receivedMs + MAX_AHEAD_MS) return row;
  return {
    ...row,
    start_time: nanosToIso((BigInt(Math.floor(receivedMs)) * 1_000_000n).toString()),
    duration_ns: 0,
    span_attributes: { ...row.span_attributes, [HoptraceAttribute.SentStartTime]: startTimeUnixNano },
  };
}

/** The partition of a row: the UTC day it started, `YYYY-MM-DD`. */
export const dayOf = (row: SpanRow): string => row.start_time.slice(0, 10);
