import { describe, expect, it } from 'vitest';
import { newSpanId, newTraceId } from '../../../../src/tracer/ids';

describe('ids', () => {
  it('are lowercase hex of the W3C lengths, and unique', () => {
    const traces = new Set(Array.from({ length: 10_000 }, () => newTraceId()));
    const spans = new Set(Array.from({ length: 10_000 }, () => newSpanId()));
    expect(traces.size).toBe(10_000);
    expect(spans.size).toBe(10_000);
    for (const id of [...traces].slice(0, 100)) expect(id).toMatch(/^[0-9a-f]{32}$/);
    for (const id of [...spans].slice(0, 100)) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('use every hex digit in every position', () => {
    const seen = Array.from({ length: 32 }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) [...newTraceId()].forEach((c, p) => seen[p]!.add(c));
    for (const digits of seen) expect(digits.size).toBe(16);
  });
});
