import { backoffMs } from '../backoff';

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
// Errors of a keep-alive socket the server closed while the sandbox was frozen.
const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

export function isRetryableNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_NETWORK.has(code);
}

/** `Retry-After` as delay-seconds or an HTTP-date, in ms; undefined when absent or garbage. */
export function parseRetryAfter(header: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Every HTTP-date form names a day or month; Date.parse alone would accept "-1".
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The wait before retry `attempt`: the server's `Retry-After` when longer, our backoff at least. */
export function retryDelayMs(attempt: number, retryAfter: string | undefined, random?: () => number): number {
  return Math.max(parseRetryAfter(retryAfter) ?? 0, backoffMs(attempt, random));
}
