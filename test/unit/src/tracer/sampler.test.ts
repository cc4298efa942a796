import { describe, expect, it } from 'vitest';
import { newTraceId } from '../../../../src/tracer/ids';
import { createSampler } from '../../../../src/tracer/sampler';

const parent = (sampled: boolean) => ({
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  traceFlags: sampled ? 1 : 0,
  isRemote: true,
});

describe('samplers', () => {
  it('always_on and always_off ignore the parent', () => {
    expect(createSampler('always_on', 1)('x', parent(false))).toBe(true);
    expect(createSampler('always_off', 1)('x', parent(true))).toBe(false);
  });

  it('parent-based samplers follow the parent and use their root sampler otherwise', () => {
    const on = createSampler('parentbased_always_on', 1);
    expect(on(newTraceId(), parent(false))).toBe(false);
    expect(on(newTraceId(), parent(true))).toBe(true);
    expect(on(newTraceId(), undefined)).toBe(true);
    expect(createSampler('parentbased_always_off', 1)(newTraceId(), undefined)).toBe(false);
    expect(createSampler('parentbased_always_off', 1)(newTraceId(), parent(true))).toBe(true);
  });

  it('traceidratio keeps about the ratio, deterministically per trace id', () => {
    const sampler = createSampler('traceidratio', 0.25);
    const ids = Array.from({ length: 20_000 }, () => newTraceId());
    const kept = ids.filter((id) => sampler(id, undefined)).length / ids.length;
    expect(kept).toBeGreaterThan(0.22);
    expect(kept).toBeLessThan(0.28);
    for (const id of ids.slice(0, 100)) expect(sampler(id, undefined)).toBe(sampler(id, undefined));
    expect(createSampler('traceidratio', 0)(ids[0]!, undefined)).toBe(false);
    expect(ids.every((id) => createSampler('traceidratio', 1)(id, undefined))).toBe(true);
  });
});
