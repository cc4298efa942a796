// The one backoff of the project: the exporter's HTTP retries, the ingest's Kinesis retries and the tail sampler's DynamoDB retries.
const BASE_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1000;
/** No retry follows sooner than this, whatever the server says: `Retry-After: 0` must not make a loop. */
export const MIN_BACKOFF_MS = 25;

/**
 * The wait before retry number `attempt` (0 for the first retry): exponential, capped, with
 * equal jitter (half fixed, half random), so retries spread out yet never come back at once.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
  return Math.max(MIN_BACKOFF_MS, ceiling / 2 + (random() * ceiling) / 2);
}
