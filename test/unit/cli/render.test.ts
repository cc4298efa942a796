import { describe, expect, it } from 'vitest';
import { analyze } from '../../../cli/src/analyze';
import { MAILABLE_REPORT_BYTES, reportSizeNote } from '../../../cli/src/commands';
import type { Stats, TraceSummary } from '../../../cli/src/model';
import { renderStats, renderTraces } from '../../../cli/src/render/tables';
import { renderWaterfall } from '../../../cli/src/render/waterfall';
import { memorySource, record, traceId, type Spec } from './traces';

// The text tables and the detail's numbers, as a person reads them.

const summary = (n: number): TraceSummary => ({
  traceId: traceId(n),
  rootName: 'GET /x',
  services: ['api'],
  spanCount: 12,
  durationMs: 5,
  errorCount: 0,
  coldStarts: 0,
  startTime: '2026-12-01T10:00:00.000Z',
  rootDurationMs: 5,
  rootMissing: false,
  error: null,
});

describe('text tables', () => {
  it('keep the trace id column left-aligned when every id starts with a digit (or is all digits)', () => {
    const lines = renderTraces([summary(1), summary(0x1234)]).split('\n');
    const at = lines[0]!.indexOf('trace id');
    expect(lines[1]!.slice(at, at + 32)).toBe(traceId(1));
    expect(lines[2]!.slice(at, at + 32)).toBe(traceId(0x1234));
  });

  it('write a cold-start rate of 1 in 2,000 as <0.1%, not 0%', () => {
    const stats: Stats = {
      operations: [],
      functions: [
        { service: 'api', invocations: 2000, coldStarts: 1, initP50Ms: null, initP95Ms: null, coldStartTraceIds: [] },
      ],
      traces: { count: 1, withOrphans: 0 },
      timeline: [],
    };
    const row = renderStats(stats)
      .split('\n')
      .find((l) => l.startsWith('api'))!;
    expect(row).toMatch(/^api +2000 +1 +<0\.1% +- +- +-$/);
  });
});

describe('event times', () => {
  it('are microseconds from the trace start, without float noise', async () => {
    const events = [{ at: 12.123, name: 'cache miss', attributes: [] }];
    const { details } = await analyze(memorySource([record([{ id: 1, start: 0, end: 20, events }])]), {
      detail: () => true,
    });
    expect(details.get(traceId(1))!.spans[0]!.events[0]!.timeMs).toBe(12.123);
  });
});

describe('the text waterfall', () => {
  it('keeps the names of spans 40 levels deep readable: the indentation stops, the depth is written', async () => {
    const chain = Array.from({ length: 40 }, (_, i) => ({
      id: i + 1,
      ...(i > 0 ? { parent: i } : {}),
      name: `level-${i}`,
      start: i,
      end: 100 - i,
    }));
    const { out } = await hoptraceOn(chain);
    const last = out.split('\n').find((l) => l.includes('level-39'));
    expect(last).toMatch(/└ \[39\] level-39 /);
  });
});

async function hoptraceOn(specs: Spec[]): Promise<{ out: string }> {
  const { details } = await analyze(memorySource([record(specs)]), { detail: () => true });
  return { out: renderWaterfall(details.get(traceId(1))!) };
}

describe('the report size', () => {
  it('is said when past 20 MB, with what makes it smaller', () => {
    expect(reportSizeNote(MAILABLE_REPORT_BYTES, 5000)).toBeUndefined();
    expect(reportSizeNote(63 * 1024 * 1024, 5000)).toBe(
      'the report is 63.0 MB (5000 traces), past the 20 MB a mail or an incident attachment takes: narrow it with --limit, --since/--until or --query',
    );
  });
});
