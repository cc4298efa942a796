import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byValue } from '../../../cli/src/analysis/aggregate';
import type { SideComparison } from '../../../cli/src/analysis/compare-sides';
import type { TraceComparison } from '../../../cli/src/analysis/compare-traces';
import type { Stats } from '../../../cli/src/model';
import { writeBothWays } from './archive-fixture';
import { canaryTrace, writeCanary } from './canary-fixture';
import { failureOf, hoptrace, hoptraceJson as json } from './run-cli';
import { record, spanId, traceId, type Spec } from './traces';

// `hoptrace compare` and `stats --by` against known answers, on files and on the archive
// (DuckDB): the same spans written both ways give the same --json.

let dir: string;
const paths = { records: '', table: '', canaryRecords: '', canaryTable: '', pair: '' };

const SERVER = 2;
const CLIENT = 3;
// Two runs of one request: b's stock call is slower and makes two queries, a's also sends a message.
const runA: Spec[] = [
  { trace: 500, id: 1, name: 'POST /orders', start: 0, end: 100, kind: SERVER },
  { trace: 500, id: 2, parent: 1, name: 'GET stock', start: 10, end: 50, kind: CLIENT },
  { trace: 500, id: 3, parent: 2, service: 'inventory', name: 'GET /stock', start: 12, end: 48, kind: SERVER },
  { trace: 500, id: 4, parent: 1, name: 'send', start: 60, end: 65, kind: 4 },
];
const runB: Spec[] = [
  { trace: 501, id: 1, name: 'POST /orders', start: 0, end: 180, kind: SERVER },
  { trace: 501, id: 2, parent: 1, name: 'GET stock', start: 10, end: 150, kind: CLIENT },
  { trace: 501, id: 3, parent: 2, service: 'inventory', name: 'GET /stock', start: 12, end: 148, kind: SERVER },
  { trace: 501, id: 5, parent: 3, service: 'inventory', name: 'query', start: 20, end: 60, kind: CLIENT },
  { trace: 501, id: 6, parent: 3, service: 'inventory', name: 'query', start: 70, end: 140, kind: CLIENT },
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-compare-'));
  Object.assign(paths, {
    records: join(dir, 'records'),
    table: join(dir, 'table'),
    canaryRecords: join(dir, 'canary'),
    canaryTable: join(dir, 'canary-table'),
    pair: join(dir, 'pair'),
  });
  await writeBothWays(paths.records, paths.table);
  await writeCanary(paths.canaryRecords, paths.canaryTable);
  mkdirSync(paths.pair);
  writeFileSync(join(paths.pair, 'a'), record(runA));
  writeFileSync(join(paths.pair, 'b'), record(runB));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const both = async (records: string, table: string, ...argv: string[]): Promise<unknown> => {
  const files = await json(...argv, '--dir', records);
  expect(await json(...argv, '--archive', table)).toEqual(files);
  return files;
};

describe('hoptrace compare <a> <b>', () => {
  it('matches spans by service, name and ancestors; lists the spans in one only and the durations that differ, largest first', async () => {
    const c = (await json('compare', traceId(500), traceId(501), '--dir', paths.pair)) as TraceComparison;
    expect(c.a).toEqual({ traceId: traceId(500), durationMs: 100, spans: 4 });
    expect(c.b).toEqual({ traceId: traceId(501), durationMs: 180, spans: 5 });
    expect(c.matched).toBe(3);
    expect(c.onlyInA).toEqual([
      { service: 'api', name: 'send', path: ['POST /orders'], spanId: spanId(4), startMs: 60, durationMs: 5 },
    ]);
    expect(c.onlyInB.map((s) => [s.service, s.name, s.path.join(' > '), s.spanId])).toEqual([
      ['inventory', 'query', 'POST /orders > GET stock > GET /stock', spanId(5)],
      ['inventory', 'query', 'POST /orders > GET stock > GET /stock', spanId(6)],
    ]);
    expect(c.changed.map((x) => [x.name, x.aMs, x.bMs, x.deltaMs, x.ratio])).toEqual([
      ['GET stock', 40, 140, 100, 3.5],
      ['GET /stock', 36, 136, 100, 3.778],
      ['POST /orders', 100, 180, 80, 1.8],
    ]);
  });

  it('the text names each side, the spans in one only and the changes', async () => {
    const { out } = await hoptrace('compare', traceId(500), traceId(501), '--dir', paths.pair);
    expect(out).toContain("3 span(s) matched by service, name and ancestors' names; 3 of them took a different time");
    expect(out).toContain('only in a (1):\n  api: POST /orders › send  +60.0 ms  5.00 ms');
    expect(out).toMatch(/api: POST \/orders › GET stock +40\.0 ms +140\.0 ms +\+100\.0 ms +×3\.5/);
  });

  it('on the archive as on files', async () => {
    await both(paths.records, paths.table, 'compare', traceId(1), traceId(12));
  });
});

describe('hoptrace compare <trace>: against the typical trace of its operation', () => {
  it('picks the trace nearest the median root duration among those with the same root, itself left out', async () => {
    // GET /x takes (i·7 mod 23) + 0.5 ms in trace 10 + i: the median (12th of 23) is 11.5 ms, trace 10 + 18.
    const c = (await both(paths.records, paths.table, 'compare', traceId(12))) as TraceComparison;
    expect(c.b.traceId).toBe(traceId(28));
    expect(c.changed).toEqual([
      expect.objectContaining({ name: 'GET /x', aMs: 14.5, bMs: 11.5, deltaMs: -3, ratio: 0.793 }),
    ]);
    // Trace 28 is the typical one itself: the nearest other, 10.5 or 12.5 ms, ties to the lower id.
    const self = (await both(paths.records, paths.table, 'compare', traceId(28))) as TraceComparison;
    const byDuration = new Map(Array.from({ length: 23 }, (_, i) => [((i * 7) % 23) + 0.5, traceId(10 + i)]));
    expect(self.b.traceId).toBe([byDuration.get(10.5)!, byDuration.get(12.5)!].sort()[0]);
  });

  it('a trace whose operation has no other trace, and a trace without a root: clear errors', async () => {
    const alone = await failureOf(hoptrace('compare', traceId(2), '--dir', paths.records));
    expect(alone.message).toBe(`no other trace has the root worker: batch to compare trace ${traceId(2)} with`);
    for (const source of [
      ['--dir', paths.records],
      ['--archive', paths.table],
    ]) {
      const rootless = await failureOf(hoptrace('compare', traceId(41), ...source));
      expect(rootless.message).toMatch(/^trace 0+29 has no root span/);
    }
  });
});

describe('hoptrace compare --by: a canary against the release before it', () => {
  it('per operation p50, p95, p99 and error rate of each side and b - a, known answers', async () => {
    const c = (await both(
      paths.canaryRecords,
      paths.canaryTable,
      'compare',
      '--by',
      'faas.version',
      '1',
      '2',
    )) as SideComparison;
    expect(c.a).toEqual({ value: '1', traces: 40 });
    expect(c.b).toEqual({ value: '2', traces: 40 });
    expect(c.operations).toEqual([
      {
        service: 'api',
        name: 'DynamoDB.Query',
        a: { count: 40, errors: 0, errorRate: 0, p50Ms: 40, p95Ms: 40, p99Ms: 40 },
        b: { count: 40, errors: 0, errorRate: 0, p50Ms: 90, p95Ms: 90, p99Ms: 90 },
        delta: { p50Ms: 50, p95Ms: 50, p99Ms: 50, errorRate: 0 },
      },
      {
        service: 'api',
        name: 'GET /items',
        // 100…139 ms: the 20th, 38th and 40th; 150 + 10·i: i = 19, 37, 39.
        a: { count: 40, errors: 1, errorRate: 0.025, p50Ms: 119, p95Ms: 137, p99Ms: 139 },
        b: { count: 40, errors: 3, errorRate: 0.075, p50Ms: 340, p95Ms: 520, p99Ms: 540 },
        delta: { p50Ms: 221, p95Ms: 383, p99Ms: 401, errorRate: 0.05 },
      },
    ]);
  });

  it("the attributes over-represented in each side's slow and failed traces, by lift, with counts", async () => {
    const c = (await both(
      paths.canaryRecords,
      paths.canaryTable,
      'compare',
      '--by',
      'faas.version',
      '1',
      '2',
    )) as SideComparison;
    const lift = (attribute: string, count: number, of: number, overallCount: number, lift: number) => ({
      attribute,
      count,
      of,
      overallCount,
      overallOf: 40,
      lift,
    });
    expect(c.overRepresented).toEqual({
      a: { slow: [lift('tenant=globex', 2, 2, 30, 1.333)], failed: [] },
      b: {
        slow: [lift('zone=z1', 2, 2, 3, 13.333), lift('tenant=globex', 2, 2, 30, 1.333)],
        failed: [lift('tenant=acme', 3, 3, 10, 4), lift('zone=z0', 3, 3, 37, 1.081)],
      },
    });
  });

  it('text: both sides, the deltas and the lifts', async () => {
    const { out } = await hoptrace('compare', '--by', 'faas.version', '1', '2', '--dir', paths.canaryRecords);
    expect(out).toContain('a: faas.version = 1 (40 traces)   b: faas.version = 2 (40 traces)');
    expect(out).toMatch(
      /api +GET \/items +40 +40 +119\.0 ms +340\.0 ms +137\.0 ms +520\.0 ms +\+383\.0 ms +139\.0 ms +540\.0 ms +2\.50% +7\.50% +\+5\.00 pt/,
    );
    expect(out).toContain('zone=z1  on 2 of 2 slow, 3 of 40 in all  lift ×13.333');
  });

  it('a value no trace has: a clear error', async () => {
    const error = await failureOf(hoptrace('compare', '--by', 'faas.version', '1', '3', '--dir', paths.canaryRecords));
    expect(error.message).toBe('no trace has faas.version = "3" (among the traces read that pass the filters)');
  });
});

describe('hoptrace stats --by', () => {
  it('every figure split by the value: each group is the stats of its traces, as --query selects them', async () => {
    const split = (await both(paths.canaryRecords, paths.canaryTable, 'stats', '--by', 'faas.version')) as {
      by: string;
      groups: Record<string, Stats>;
      without: number;
    };
    expect(split.by).toBe('faas.version');
    expect(Object.keys(split.groups)).toEqual(['1', '2']);
    expect(split.without).toBe(1);
    for (const value of ['1', '2']) {
      const alone = await json('stats', '--query', `{ .faas.version = "${value}" }`, '--dir', paths.canaryRecords);
      expect(split.groups[value]).toEqual(alone);
    }
    expect(split.groups['2']!.operations.find((o) => o.name === 'GET /items')).toMatchObject({
      count: 40,
      errors: 3,
      p50Ms: 340,
      failedTraceIds: [traceId(canaryTrace(2, 12)), traceId(canaryTrace(2, 8)), traceId(canaryTrace(2, 4))],
    });
  });

  it('values in order, numbers within them as numbers', async () => {
    expect(['10', '9', 'v10', 'v9', '1.10', '1.9'].sort(byValue)).toEqual(['1.9', '1.10', '9', '10', 'v9', 'v10']);
    const split = (await both(
      paths.canaryRecords,
      paths.canaryTable,
      'stats',
      '--by',
      'faas.invocation_id',
      '--query',
      '{ .zone = "z1" }',
    )) as { groups: Record<string, Stats> };
    expect(Object.keys(split.groups)).toEqual([
      `req-${canaryTrace(2, 0)}`,
      `req-${canaryTrace(2, 38)}`,
      `req-${canaryTrace(2, 39)}`,
    ]);
  });

  it('with a filter, on the archive as on files', async () => {
    await both(paths.canaryRecords, paths.canaryTable, 'stats', '--by', 'tenant', '--errors');
  });

  it('text: a block per value', async () => {
    const { out } = await hoptrace('stats', '--by', 'faas.version', '--dir', paths.canaryRecords);
    expect(out).toMatch(/^── faas\.version = 1 ──\noperations/);
    expect(out).toContain('\n\n── faas.version = 2 ──\noperations');
    expect(out).toMatch(/1 trace\(s\) without faas\.version are in no group$/);
  });
});

describe('compare and --by: bad input exits 2', () => {
  it.each([
    [['compare', traceId(1), traceId(1)], /^compare 0+1 0+1: the same trace twice/],
    [['compare', 'ab'.repeat(16), 'AB'.repeat(16)], /the same trace twice/],
    [['compare'], /^usage: hoptrace compare/],
    [['compare', traceId(1), traceId(2), traceId(3)], /^usage: hoptrace compare/],
    [['compare', 'xyz'], /^"xyz" is not a trace id/],
    [['compare', '--by', 'faas.version', '1'], /^usage: hoptrace compare/],
    [['compare', '--by', 'faas.version', '1', '1'], /^compare --by faas\.version 1 1: the two values are the same/],
    [['compare', '--by', '', '1', '2'], /^--by needs an attribute name/],
    [['stats', '--by'], /^Option '--by <value>' argument missing/],
    [['stats', '--by', '--json'], /^Option '--by' argument is ambiguous/],
    [['stats', '--by', ' '], /^--by needs an attribute name/],
    [['traces', '--by', 'faas.version'], /^--by goes with stats and compare/],
  ])('%j', async (argv, message) => {
    const error = await failureOf(hoptrace('--dir', paths.records, ...argv));
    expect(error.message).toMatch(message);
    expect(error.exitCode).toBe(2);
  });

  it('an unknown trace id: a clear error naming it, on files and on the archive', async () => {
    const unknown = 'f'.repeat(32);
    expect((await failureOf(hoptrace('compare', traceId(1), unknown, '--dir', paths.records))).message).toMatch(
      new RegExp(`^trace ${unknown} not found in `),
    );
    expect((await failureOf(hoptrace('compare', unknown, traceId(1), '--archive', paths.table))).message).toBe(
      `trace ${unknown} not found in archive ${paths.table}`,
    );
    expect((await failureOf(hoptrace('compare', unknown, '--dir', paths.records))).message).toMatch(
      new RegExp(`^trace ${unknown} not found in `),
    );
    expect((await failureOf(hoptrace('compare', unknown, '--archive', paths.table))).message).toBe(
      `trace ${unknown} not found in archive ${paths.table}`,
    );
  });
});
