import { describe, expect, it } from 'vitest';
import { backoffMs, MIN_BACKOFF_MS } from '../../../../src/backoff';
import {
  isRetryableNetworkError,
  isRetryableStatus,
  parseRetryAfter,
  retryDelayMs,
} from '../../../../src/exporter/retry';

describe('retry policy', () => {
  it('retries exactly 429, 502, 503 and 504', () => {
    expect([400, 401, 413, 429, 500, 501, 502, 503, 504].filter(isRetryableStatus)).toEqual([429, 502, 503, 504]);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 12:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
  });

  it('backs off exponentially with equal jitter, capped, never below the minimum', () => {
    expect(backoffMs(0, () => 1)).toBe(50);
    expect(backoffMs(3, () => 1)).toBe(400);
    expect(backoffMs(3, () => 0)).toBe(200);
    expect(backoffMs(20, () => 1)).toBe(1000);
    expect(backoffMs(20, () => 0)).toBe(500);
    expect(backoffMs(0, () => 0)).toBe(MIN_BACKOFF_MS);
    expect(MIN_BACKOFF_MS).toBeGreaterThan(0);
  });

  it('waits at least the backoff whatever Retry-After says, and longer when it asks', () => {
    expect(retryDelayMs(0, '0', () => 0)).toBe(MIN_BACKOFF_MS);
    expect(retryDelayMs(2, '0', () => 0)).toBe(backoffMs(2, () => 0));
    expect(retryDelayMs(0, '2', () => 0)).toBe(2000);
    expect(retryDelayMs(0, 'garbage', () => 1)).toBe(backoffMs(0, () => 1));
  });

  it('treats reset sockets as retryable and refusals as final', () => {
    expect(isRetryableNetworkError({ code: 'ECONNRESET' })).toBe(true);
    expect(isRetryableNetworkError({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isRetryableNetworkError(null)).toBe(false);
  });
});
