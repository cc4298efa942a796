/**
 * OTLP nanoseconds (a decimal string, or a number) as whole microseconds, truncated; NaN when
 * the value is not one. Every reader computes durations from these, so the command's figures
 * and the tail sampler's metrics agree to the last digit.
 */
export function micros(value: unknown): number {
  if (typeof value === 'number') return Math.floor(value / 1000);
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) return Number.NaN;
  return value.length <= 3 ? 0 : Number(value.slice(0, -3));
}

/** A duration in ms between two microsecond times, 0 when the end is before the start. */
export function durationMsBetween(startUs: number, endUs: number): number {
  return (Math.max(endUs, startUs) - startUs) / 1000;
}
