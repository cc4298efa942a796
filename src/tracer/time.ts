import type { TimeInput } from '@opentelemetry/api';

const timeOrigin = performance.timeOrigin;

/** Wall-clock epoch milliseconds with sub-millisecond precision, monotonic within the process. */
export function nowMs(): number {
  return timeOrigin + performance.now();
}

/** Epoch milliseconds at which this process started: the start of a sandbox's init. */
export function processStartMs(): number {
  return timeOrigin;
}

/**
 * Converts the API's TimeInput to epoch milliseconds. Like the OpenTelemetry SDK, a number
 * smaller than the process start is read as a `performance.now()` reading.
 */
export function toEpochMs(input: TimeInput | undefined): number {
  if (input === undefined) return nowMs();
  if (typeof input === 'number') return input < timeOrigin ? timeOrigin + input : input;
  if (input instanceof Date) return input.getTime();
  if (Array.isArray(input) && input.length === 2) return input[0] * 1e3 + input[1] / 1e6;
  return nowMs();
}

/** Epoch milliseconds to the decimal nanosecond string OTLP JSON uses for fixed64 times. */
export function msToNanoString(ms: number): string {
  let whole = Math.floor(ms);
  let fraction = Math.round((ms - whole) * 1e6);
  if (fraction >= 1e6) {
    whole += 1;
    fraction -= 1e6;
  }
  return whole === 0 ? String(fraction) : `${whole}${String(fraction).padStart(6, '0')}`;
}
