import type { TimeInput } from '@opentelemetry/api';

// The global `performance` loads perf_hooks on first use (~1 ms of cold start);
// process.hrtime is always there. One wall-clock reading anchors the monotonic clock.
const anchorHr = process.hrtime();
const anchorMs = Date.now();
const timeOrigin = anchorMs - process.uptime() * 1e3;

/** Wall-clock epoch milliseconds with sub-millisecond precision, monotonic within the process. */
export function nowMs(): number {
  const [s, ns] = process.hrtime(anchorHr);
  return anchorMs + s * 1e3 + ns / 1e6;
}

/** Epoch milliseconds at which this process started: the start of a sandbox's init. */
export function processStartMs(): number {
  return timeOrigin;
}

/** Epoch milliseconds at which hoptrace was loaded. */
export function loadedMs(): number {
  return anchorMs;
}

// Below this a number is a `performance.now()` reading (3 years of uptime), above it epoch
// ms. The SDK's cut-off, the process start, would misread epoch times from before it, such
// as when a queued message was sent.
const PERFORMANCE_NOW_LIMIT = 1e11;

/** Converts the API's TimeInput to epoch milliseconds. */
export function toEpochMs(input: TimeInput | undefined): number {
  if (input === undefined) return nowMs();
  if (typeof input === 'number') return input < PERFORMANCE_NOW_LIMIT ? timeOrigin + input : input;
  if (input instanceof Date) return input.getTime();
  if (Array.isArray(input) && input.length === 2) return input[0] * 1e3 + input[1] / 1e6;
  return nowMs();
}

/**
 * Epoch milliseconds to the decimal nanosecond string OTLP JSON uses for fixed64 times. A
 * double holds epoch milliseconds to about a quarter of a microsecond, so digits below the
 * microsecond would be noise: they are written as zeros.
 */
export function msToNanoString(ms: number): string {
  let whole = Math.floor(ms);
  let micros = Math.round((ms - whole) * 1e3);
  if (micros >= 1e3) {
    whole += 1;
    micros -= 1e3;
  }
  return whole === 0 ? String(micros * 1e3) : `${whole}${String(micros).padStart(3, '0')}000`;
}
