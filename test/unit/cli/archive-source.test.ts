import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nearestRank, sortedCopy } from '../../../cli/src/analysis/percentiles';
import { writeSpanTable } from '../../../cli/src/archive/duckdb-table';
import type { CliError } from '../../../cli/src/errors';
import type { ServiceMap, Stats, TraceDetail, TraceSummary } from '../../../cli/src/model';
import { spanRows } from '../../../span-table/rows';
import type { OtlpExportRequest } from '../../../src/otlp/types';
import { calls, writeBothWays } from './archive-fixture';
import { failureOf, hoptrace, hoptraceJson as json } from './run-cli';
import { request, spanId, traceId, type Spec } from './traces';

// `--archive` answers in SQL on DuckDB what the files source answers in memory: the same
// spans written both ways, every command's --json compared.

let dir: string;
let archive: string;
let records: string;

const failure = (...argv: string[]): Promise<CliError> => failureOf(hoptrace(...argv));

const both = async (...argv: string[]): Promise<[unknown, unknown]> => [
  await json(...argv, '--dir', records),
  await json(...argv, '--archive', archive),
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-archive-cli-'));
  archive = join(dir, 'span-table');
  records = join(dir, 'records');
  await writeBothWays(records, archive);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The table keeps attribute values as text (one map type for every value): compare them as text. */
function asText(detail: TraceDetail): TraceDetail {
  const text = (map: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(map).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return {
    ...detail,
    spans: detail.spans.map((s) => ({
      ...s,
      attributes: text(s.attributes),
      resource: text(s.resource),
      events: s.events.map((e) => ({ ...e, attributes: text(e.attributes) })),
      links: s.links.map((l) => ({ ...l, attributes: text(l.attributes) })),
    })),
  };
}

describe('hoptrace --archive: the engine answers as the in-memory read does', () => {
  it('traces: every trace, newest first, each summary equal', async () => {
    const [files, table] = await both('traces', '--limit', '100');
    expect((table as TraceSummary[]).length).toBe(1 + 1 + 23 + 1 + 1);
    expect(table).toEqual(files);
    expect((table as TraceSummary[]).find((t) => t.traceId === traceId(2))).toMatchObject({
      rootName: 'batch',
      services: ['mailer', 'worker'],
    });
  });

  it("traces: the root's own duration, a missing root marked, the first failure with its message, type and HTTP status", async () => {
    const [files, table] = await both('traces', '--limit', '100');
    expect(table).toEqual(files);
    const byId = new Map((table as TraceSummary[]).map((t) => [parseInt(t.traceId, 16), t]));
    expect(byId.get(1)).toMatchObject({
      rootName: 'POST /orders',
      rootDurationMs: 100.25,
      rootMissing: false,
      durationMs: 160,
      error: { service: 'inventory', name: 'query', message: 'timeout', type: null, httpStatus: null },
    });
    expect(byId.get(2)).toMatchObject({ rootMissing: false, rootDurationMs: 60, error: null });
    // Trace 40's provisional copy failed, its real end did not.
    expect(byId.get(40)).toMatchObject({ error: null, rootDurationMs: 900 });
    expect(byId.get(41)).toMatchObject({
      rootName: 'charge',
      rootMissing: true,
      rootDurationMs: null,
      errorCount: 2,
      error: {
        service: 'payments',
        name: 'charge',
        message: 'Rate exceeded',
        type: 'ThrottlingException',
        httpStatus: 429,
      },
    });
    expect(Object.keys(byId.get(1)!)).toEqual([
      'traceId',
      'rootName',
      'services',
      'spanCount',
      'durationMs',
      'errorCount',
      'coldStarts',
      'startTime',
      'rootDurationMs',
      'rootMissing',
      'error',
    ]);
  });

  it.each([
    ['--service', 'inventory'],
    ['--name', 'stock'],
    ['--min-duration', '100.25ms'],
    ['--errors'],
    ['--cold'],
    ['--attr', 'tenant=acme'],
    ['--attr', 'service.name=mailer'],
    ['--errors', '--cold', '--limit', '2'],
  ])('traces %s: the filters select the same traces', async (...filter) => {
    const [files, table] = await both('traces', '--limit', '100', ...filter);
    expect((table as TraceSummary[]).length).toBeGreaterThan(0);
    expect(table).toEqual(files);
  });

  it('stats: operations, functions and traces equal, percentiles exact (nearest rank)', async () => {
    const [files, table] = await both('stats');
    expect(table).toEqual(files);
    const x = (table as Stats).operations.find((o) => o.name === 'GET /x')!;
    const durations = sortedCopy(calls.map((c) => c.end - c.start));
    expect([x.p50Ms, x.p95Ms, x.p99Ms]).toEqual([
      nearestRank(durations, 50),
      nearestRank(durations, 95),
      nearestRank(durations, 99),
    ]);
    // 0.5, 1.5, …, 22.5 ms in the 1-2-5 buckets (none in (0.5, 1]); the counts add up to the operation's.
    const inBucket = (low: number, high: number) => [...durations].filter((d) => d > low && d <= high).length;
    expect(x.histogram).toEqual([
      { leMs: 0.5, count: 1 },
      { leMs: 2, count: inBucket(1, 2) },
      { leMs: 5, count: inBucket(2, 5) },
      { leMs: 10, count: inBucket(5, 10) },
      { leMs: 20, count: inBucket(10, 20) },
      { leMs: 50, count: inBucket(20, 50) },
    ]);
    expect(x.histogram.reduce((sum, b) => sum + b.count, 0)).toBe(x.count);
    expect((table as Stats).traces).toMatchObject({ count: 27, withOrphans: 2 });
    // worker had a cold start but no init span (plain OpenTelemetry): its init is unknown, not 0 ms.
    expect((table as Stats).functions.map((f) => [f.service, f.coldStarts, f.initP50Ms, f.initP95Ms])).toEqual([
      ['api', 1 + 6, 29, 29],
      ['inventory', 0, null, null],
      ['worker', 1, null, null],
    ]);
  });

  it('stats and map with a filter', async () => {
    for (const command of ['stats', 'map']) {
      const [files, table] = await both(command, '--service', 'worker');
      expect(table).toEqual(files);
    }
  });

  it('map: sync calls, async hops and link edges equal', async () => {
    const [files, table] = await both('map');
    expect(table).toEqual(files);
    // The one message api sent: worker's batch links to it and handled it under it (traceRecord): one delivery.
    expect((table as ServiceMap).edges.map((e) => `${e.from}>${e.to}:${e.kind}:${e.count}`)).toEqual([
      'api>inventory:sync:1',
      'api>worker:async:1',
    ]);
  });

  it('stats as text: the timeline of the three busiest operations, the same from both', async () => {
    const [files, table] = [
      (await hoptrace('stats', '--dir', records)).out,
      (await hoptrace('stats', '--archive', archive)).out,
    ];
    expect(table).toBe(files);
    const lines = table.split('\n');
    const at = lines.findIndex((l) => l.startsWith('timeline'));
    // 1 s buckets: the smallest step giving at most 60 over the spans' 4 s.
    expect(lines.slice(at + 1, at + 5)).toEqual([
      'bucket start (UTC)   api GET /x    api GET stock  api init',
      '2023-11-14 22:13:19  -             -              1/0 29.0 ms',
      '2023-11-14 22:13:20  -             1/0 40.0 ms    -',
      '2023-11-14 22:13:21  23/5 21.5 ms  -              -',
    ]);
  });

  it('map as text: each node and edge with its errors split into throttled/4xx/5xx', async () => {
    for (const source of [
      ['--dir', records],
      ['--archive', archive],
    ]) {
      const lines = (await hoptrace('map', ...source)).out.split('\n');
      const header = lines.find((l) => l.startsWith('node'))!;
      expect(header).toMatch(/ errors +throttled\/4xx\/5xx +p95$/);
      // charge answered 429 (ThrottlingException); api's 5 failures said nothing of their class.
      expect(lines.find((l) => l.startsWith('payments'))).toMatch(/^payments +service +1 +1 +1\/0\/0 +100\.0 ms$/);
      expect(lines.find((l) => l.startsWith('api '))).toMatch(/ 26 +5 +0\/0\/0 +100\.3 ms$/);
      expect(lines.find((l) => l.startsWith('mailer'))).toMatch(/ 1 +0 +- +20\.0 ms$/);
    }
  });

  it('trace <id>: the trace read alone, analysed in memory (critical path, links, events); attribute values as text', async () => {
    for (const id of [traceId(1), traceId(2), traceId(40), traceId(12)]) {
      const [files, table] = await both('trace', id);
      expect(table).toEqual(asText(files as TraceDetail));
    }
    const batchTrace = (await json('trace', traceId(2), '--archive', archive)) as TraceDetail;
    expect(batchTrace.spans.find((s) => s.spanId === spanId(20))!.links[0]).toMatchObject({
      service: 'api',
      name: 'send',
    });
    const guarded = (await json('trace', traceId(40), '--archive', archive)) as TraceDetail;
    expect(guarded.spans[0]).toMatchObject({ durationMs: 900, status: 'unset' });
  });

  it('view: the same traces, details, stats and map', async () => {
    const out = join(dir, 'report.html');
    const [files, table] = await both('view', '--out', out, '--limit', '3');
    expect(table).toEqual(files);
    expect(table).toEqual({ out, traces: 3 });
  });
});

describe('hoptrace --archive: bad input', () => {
  it('a missing folder', async () => {
    const error = await failure('stats', '--archive', join(dir, 'nowhere'));
    expect(error.message).toBe(`--archive ${join(dir, 'nowhere')}: no such folder`);
    expect(error.exitCode).not.toBe(0);
  });

  it('a folder without Parquet', async () => {
    const error = await failure('traces', '--archive', records);
    expect(error.message).toMatch(/no Parquet files in it/);
    expect(error.exitCode).not.toBe(0);
  });

  it('an unknown trace id, and a trace the filters leave out', async () => {
    expect((await failure('trace', 'f'.repeat(32), '--archive', archive)).message).toBe(
      `trace ${'f'.repeat(32)} not found in archive ${archive}`,
    );
    expect((await failure('trace', traceId(1), '--archive', archive, '--service', 'mailer')).message).toBe(
      `trace ${traceId(1)} not found in archive ${archive} among the traces that pass the filters`,
    );
  });

  it('two sources at once', async () => {
    expect((await failure('stats', '--archive', archive, '--dir', records)).message).toMatch(/^give one source/);
  });
});

describe('--since / --until: a trace is in the window when its first span starts in it', () => {
  it('reads only the partitions the window covers', async () => {
    const table = join(dir, 'days');
    const today = new Date().toISOString().slice(0, 10);
    const rowsOf = (specs: Spec[]) => spanRows(request(specs) as unknown as OtlpExportRequest);
    // The helpers' times count from 2023-11-14T22:13:20Z; this span starts a minute ago.
    const recent = Date.now() - 1_700_000_000_000 - 60_000;
    await writeSpanTable(
      [
        { partition: '2020-01-01', rows: rowsOf([{ trace: 50, id: 1, start: recent, end: recent + 1 }]) },
        { partition: today, rows: rowsOf([{ trace: 51, id: 1, start: recent, end: recent + 1 }]) },
      ],
      table,
    );
    const all = (await json('traces', '--archive', table)) as TraceSummary[];
    const lastDay = (await json('traces', '--archive', table, '--since', '1d')) as TraceSummary[];
    expect(all.map((t) => t.traceId).sort()).toEqual([traceId(50), traceId(51)]);
    expect(lastDay.map((t) => t.traceId)).toEqual([traceId(51)]);
    expect(await json('traces', '--archive', table, '--until', '2h')).toEqual([]);
  });

  const window = async (...argv: string[]): Promise<number[]> => {
    const [files, table] = await both('traces', '--limit', '100', ...argv);
    expect(table).toEqual(files);
    return (files as TraceSummary[]).map((t) => parseInt(t.traceId, 16)).sort((a, b) => a - b);
  };
  const gets = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => 10 + from + i);

  it('ISO 8601 times, on files as on the archive', async () => {
    expect(await window('--since', '2023-11-14T22:13:21Z')).toEqual([...gets(0, 23), 40, 41]);
    expect(await window('--until', '2023-11-14T22:13:21.100Z')).toEqual([1, 2, ...gets(0, 10)]);
    expect(await window('--since', '2023-11-14T22:13:21Z', '--until', '2023-11-14T23:13:21.100+01:00')).toEqual(
      gets(0, 10),
    );
    // Trace 1 starts at 22:13:19.970 (its init span), trace 2 at 22:13:20.200: the end is exclusive.
    expect(await window('--since', '2023-11-14 22:13:19.9', '--until', '2023-11-14T22:13:20.200')).toEqual([1]);
  });

  it('bad times exit 2', async () => {
    for (const [flag, value] of [
      ['--since', 'yesterday'],
      ['--until', '2023-13-45'],
      ['--since', '5 minutes'],
    ]) {
      const error = await failure('traces', '--dir', records, flag!, value!);
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(new RegExp(`^${flag} ${value}: expected a duration ago`));
    }
    const reversed = await failure('traces', '--dir', records, '--since', '1h', '--until', '2h');
    expect(reversed.message).toBe('--since 1h is not before --until 2h');
  });
});
