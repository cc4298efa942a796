import { describe, expect, it } from 'vitest';
import { runLoad } from '../../bench/load';

describe('load, with nothing lost (the small version of npm run load)', () => {
  it('lands every span of parallel invocations in the stream', async () => {
    const result = await runLoad({ invocations: 100, spansPerInvocation: 20, concurrency: 8 });
    expect(result.spansIn).toBe(2000);
    expect(result.lost).toBe(0);
    expect(result.spansOut).toBe(2000);
  }, 120_000);
});
