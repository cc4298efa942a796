import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nearestRank, sortedCopy } from '../../../cli/src/analysis/percentiles';
import { writeSpanTable } from '../../../cli/src/archive/duckdb-table';
import { CliError } from '../../../cli/src/errors';
import type { ServiceMap, Stats, TraceDetail, TraceSummary } from '../../../cli/src/model';
import { spanRows } from '../../../handlers/archive/span-table';
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

const both = async (...argv: string[]): Promise<[unknown, unknown]> => [await json(...argv, '--dir', records), await json(...argv, '--archive', archive)];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-archive-cli-'));
  archive = join(dir, 'span-table');
  records = join(dir, 'records');
  await writeBothWays(records, archive);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The table keeps attribute values as text (one map type for every value): compare them as text. */
function asText(detail: TraceDetail): TraceDetail {
  const text = (map: Record<string, unknown>) => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
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
    expect((table as TraceSummary[]).length).toBe(1 + 1 + 23 + 1);
    expect(table).toEqual(files);
    expect((table as TraceSummary[]).find((t) => t.traceId === traceId(2))).toMatchObject({ rootName: 'batch', services: ['mailer', 'worker'] });
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
    expect([x.p50Ms, x.p95Ms, x.p99Ms]).toEqual([nearestRank(durations, 50), nearestRank(durations, 95), nearestRank(durations, 99)]);
    expect((table as Stats).traces).toMatchObject({ count: 26, withOrphans: 1 });
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
    expect((table as ServiceMap).edges.map((e) => `${e.from}>${e.to}:${e.kind}:${e.count}`)).toEqual(['api>inventory:sync:1', 'api>worker:async:2']);
  });

  it('trace <id>: the trace read alone, analysed in memory (critical path, links, events); attribute values as text', async () => {
    for (const id of [traceId(1), traceId(2), traceId(40), traceId(12)]) {
      const [files, table] = await both('trace', id);
      expect(table).toEqual(asText(files as TraceDetail));
    }
    const batchTrace = (await json('trace', traceId(2), '--archive', archive)) as TraceDetail;
    expect(batchTrace.spans.find((s) => s.spanId === spanId(20))!.links[0]).toMatchObject({ service: 'api', name: 'send' });
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
    expect((await failure('trace', 'f'.repeat(32), '--archive', archive)).message).toBe(`trace ${'f'.repeat(32)} not found in archive ${archive}`);
    expect((await failure('trace', traceId(1), '--archive', archive, '--service', 'mailer')).message).toBe(`trace ${traceId(1)} not found in archive ${archive} among the traces that pass the filters`);
  });

  it('two sources at once', async () => {
    expect((await failure('stats', '--archive', archive, '--dir', records)).message).toMatch(/^give one source/);
  });
});

describe('hoptrace --archive --since: only the days from then on are read', () => {
  it('reads the partitions from the day --since reaches back to', async () => {
    const table = join(dir, 'days');
    const today = new Date().toISOString().slice(0, 10);
    const rowsOf = (specs: Spec[]) => spanRows(request(specs) as unknown as OtlpExportRequest);
    await writeSpanTable([{ partition: '2020-01-01', rows: rowsOf([{ trace: 50, id: 1, start: 0, end: 1 }]) }, { partition: today, rows: rowsOf([{ trace: 51, id: 1, start: 0, end: 1 }]) }], table);
    const all = (await json('traces', '--archive', table)) as TraceSummary[];
    const recent = (await json('traces', '--archive', table, '--since', '1d')) as TraceSummary[];
    expect(all.map((t) => t.traceId).sort()).toEqual([traceId(50), traceId(51)]);
    expect(recent.map((t) => t.traceId)).toEqual([traceId(51)]);
  });
});
