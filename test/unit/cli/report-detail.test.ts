import { describe, expect, it } from 'vitest';
import { SAMPLE_EVERY, tracesInFull } from '../../../cli/src/analysis/report-detail';
import type { TraceSummary } from '../../../cli/src/model';

const trace = (n: number, fields: Partial<TraceSummary> = {}): TraceSummary => ({
  traceId: String(n),
  rootName: 'GET /',
  services: ['api'],
  spanCount: 3,
  durationMs: 100,
  errorCount: 0,
  coldStarts: 0,
  startTime: new Date(1_700_000_000_000 - n * 1000).toISOString(),
  rootDurationMs: 100,
  rootMissing: false,
  error: null,
  ...fields,
});

const sampled = (count: number): string[] =>
  Array.from({ length: Math.ceil(count / SAMPLE_EVERY) }, (_, i) => String(i * SAMPLE_EVERY));

describe('which traces a report holds in full', () => {
  it('the failed, the rootless, the examples and one in ten; none as slow when all take the same time', () => {
    const listed = Array.from({ length: 100 }, (_, n) =>
      trace(n, n === 7 ? { errorCount: 1 } : n === 13 ? { rootMissing: true, rootDurationMs: null } : {}),
    );
    expect([...tracesInFull(listed, new Set(['41']))].sort()).toEqual([...sampled(100), '7', '13', '41'].sort());
  });

  it('the slow: past the 95th percentile of the response time or of the extent', () => {
    // Response times 1..100 ms; trace 3 answers fast but its asynchronous tail runs long.
    const listed = Array.from({ length: 100 }, (_, n) =>
      trace(n, { rootDurationMs: n + 1, durationMs: n === 3 ? 5000 : n + 1 }),
    );
    const slow = [...tracesInFull(listed, new Set())].filter((id) => !sampled(100).includes(id));
    expect(slow.sort()).toEqual(['3', '95', '96', '97', '98', '99'].sort());
  });
});
