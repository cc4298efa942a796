import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../../src/exporter/circuit-breaker';

function breakerWithClock() {
  const clock = { ms: 0 };
  return { breaker: new CircuitBreaker(() => clock.ms), clock };
}

describe('circuit breaker', () => {
  it('opens after three failures in a row, not after a success breaks the run', () => {
    const { breaker } = breakerWithClock();
    breaker.failed();
    breaker.failed();
    breaker.succeeded();
    expect(breaker.failed()).toBeUndefined();
    expect(breaker.failed()).toBeUndefined();
    expect(breaker.allows()).toBe(true);
    expect(breaker.failed()).toBe(5_000);
    expect(breaker.allows()).toBe(false);
  });

  it('lets one probe through when due, doubles the wait after a failed probe up to a minute, and closes on success', () => {
    const { breaker, clock } = breakerWithClock();
    for (let i = 0; i < 3; i++) breaker.failed();
    clock.ms = 4_999;
    expect(breaker.allows()).toBe(false);
    clock.ms = 5_000;
    expect(breaker.allows()).toBe(true);
    expect(breaker.probing).toBe(true);
    expect(breaker.allows()).toBe(false);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      expect(breaker.failed()).toBeUndefined();
      const from = clock.ms;
      while (!breaker.allows()) clock.ms += 1_000;
      waits.push(clock.ms - from);
    }
    expect(waits).toEqual([10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
    breaker.succeeded();
    expect(breaker.probing).toBe(false);
    expect(breaker.allows()).toBe(true);
    expect(breaker.allows()).toBe(true);
    // Closed again: it takes three new failures to open, and the first wait is back to 5 s.
    breaker.failed();
    breaker.failed();
    expect(breaker.failed()).toBe(5_000);
  });
});
