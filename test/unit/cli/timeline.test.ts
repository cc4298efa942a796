import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSpanTable } from '../../../cli/src/archive/duckdb-table';
import type { Stats } from '../../../cli/src/model';
import { partitionOf, spanRows } from '../../../span-table/rows';
import type { OtlpExportRequest } from '../../../src/otlp/types';
import { failureOf, hoptrace, hoptraceJson as json } from './run-cli';
import { request, type Spec } from './traces';

// `stats --json`'s timeline: per operation and bucket, requests, errors and p95, from records
// and from the archive alike. The helpers' times count from 2023-11-14T22:13:20Z.

const at = (trace: number, seconds: number, ms: number, error = false): Spec => ({
  trace,
  id: 1,
  name: 'GET /x',
  start: seconds * 1000,
  end: seconds * 1000 + ms,
  kind: 2,
  ...(error ? { error: 'boom' } : {}),
});
const specs = [at(1, 0, 10), at(2, 30, 40, true), at(3, 65, 5), at(4, 125, 7)];

let dir: string;
let records: string;
let archive: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-timeline-'));
  records = join(dir, 'records');
  archive = join(dir, 'span-table');
  mkdirSync(records);
  const requests = specs.map((s) => request([s]));
  requests.forEach((req, i) => writeFileSync(join(records, `${i}.gz`), gzipSync(JSON.stringify(req))));
  await writeSpanTable(
    requests.map((req) => {
      const rows = spanRows(req as unknown as OtlpExportRequest);
      return { partition: partitionOf(rows), rows };
    }),
    archive,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (start: string, count: number, errors: number, p95Ms: number) => ({
  start,
  service: 'api',
  name: 'GET /x',
  count,
  errors,
  p95Ms,
});

describe.each([
  ['records', () => ['--dir', records]],
  ['the archive (DuckDB)', () => ['--archive', archive]],
])('stats --json timeline from %s', (_name, source) => {
  it('--bucket 1m: minutes aligned to the clock', async () => {
    const stats = (await json('stats', '--bucket', '1m', ...source())) as Stats;
    expect(stats.timeline).toEqual([
      row('2023-11-14T22:13:00.000Z', 2, 1, 40),
      row('2023-11-14T22:14:00.000Z', 1, 0, 5),
      row('2023-11-14T22:15:00.000Z', 1, 0, 7),
    ]);
  });

  it('stats --bucket 1m in text: a row per minute, count/errors p95 of the busiest operations', async () => {
    const { out } = await hoptrace('stats', '--bucket', '1m', ...source());
    const lines = out.split('\n');
    const at = lines.findIndex((l) => l.startsWith('timeline'));
    expect(lines.slice(at + 1, at + 5)).toEqual([
      'bucket start (UTC)   api GET /x',
      '2023-11-14 22:13:00  2/1 40.0 ms',
      '2023-11-14 22:14:00  1/0 5.00 ms',
      '2023-11-14 22:15:00  1/0 7.00 ms',
    ]);
  });

  it('view --bucket 1m: the report holds the same minute buckets', async () => {
    const out = join(dir, 'report.html');
    await hoptrace('view', '--bucket', '1m', '--out', out, ...source());
    const html = readFileSync(out, 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="hoptrace-data">(.*?)<\/script>/s.exec(html)![1]!);
    expect((data.stats as Stats).timeline.map((r) => r.start)).toEqual([
      '2023-11-14T22:13:00.000Z',
      '2023-11-14T22:14:00.000Z',
      '2023-11-14T22:15:00.000Z',
    ]);
  });

  it('without --bucket: the smallest step giving at most 60 buckets over the spans (125 s: 5 s)', async () => {
    const stats = (await json('stats', ...source())) as Stats;
    expect(stats.timeline).toEqual([
      row('2023-11-14T22:13:20.000Z', 1, 0, 10),
      row('2023-11-14T22:13:50.000Z', 1, 1, 40),
      row('2023-11-14T22:14:25.000Z', 1, 0, 5),
      row('2023-11-14T22:15:25.000Z', 1, 0, 7),
    ]);
  });
});

it('a bad --bucket exits 2', async () => {
  const error = await failureOf(hoptrace('stats', '--bucket', 'often', '--dir', '.'));
  expect([error.exitCode, error.message]).toEqual([
    2,
    '--bucket often: expected a number and a unit (ms, s, m, h, d), e.g. 250ms or 1h',
  ]);
});

it.each(['traces', 'map', 'trace'])('%s --bucket exits 2: only stats and view have a timeline', async (command) => {
  const argv = command === 'trace' ? ['trace', '1'.repeat(32)] : [command];
  const error = await failureOf(hoptrace(...argv, '--bucket', '1m', '--dir', records));
  expect([error.exitCode, error.message]).toEqual([2, "--bucket goes with stats and view (the timeline's step)"]);
});
