import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf, spanRows } from '../../../span-table/rows';
import { openSpanTable, writeSpanTable, type SpanTable } from '../../../cli/src/archive/duckdb-table';
import type { OtlpExportRequest } from '../../../src/otlp/types';
import { exportRequest, hex, otlpSpan } from '../../helpers/otlp-payload';

// Each named query's DuckDB rendering, on the real engine, against a table of known answers.
const DAY = 1763769600000; // 2025-11-22T00:00:00Z in ms
const OLD_DAY = DAY - 21 * 86_400_000;
const ns = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();

function span(
  service: string,
  name: string,
  at: number,
  durationMs: number,
  extra: { error?: boolean; invocation?: boolean; cold?: boolean; traceId?: string } = {},
): Record<string, unknown> {
  const attributes = [
    ...(extra.invocation ? [{ key: 'faas.invocation_id', value: { stringValue: hex(4) } }] : []),
    ...(extra.invocation ? [{ key: 'faas.coldstart', value: { boolValue: extra.cold === true } }] : []),
  ];
  return otlpSpan({
    ...(extra.traceId ? { traceId: extra.traceId } : {}),
    name,
    startTimeUnixNano: ns(at),
    endTimeUnixNano: ns(at + durationMs),
    attributes,
    status: { code: extra.error ? 2 : 0 },
    service,
  });
}

const rowsOf = (service: string, spans: Array<Record<string, unknown>>) => {
  const rows = spanRows(
    exportRequest(
      spans.map(({ service: _s, ...s }) => s),
      service,
    ) as unknown as OtlpExportRequest,
  );
  return { partition: partitionOf(rows), rows };
};

let dir: string;
let table: SpanTable;
const TRACE = 'c'.repeat(32);
const GUARDED = 'd'.repeat(32);
const OLD_TRACE = 'e'.repeat(32);
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-table-'));
  const api = Array.from({ length: 10 }, (_, i) =>
    span('api', 'GET /x', DAY + i * 1000, (i + 1) * 10, {
      invocation: true,
      error: i < 2,
      cold: i < 3,
      traceId: i < 3 ? TRACE : undefined,
    }),
  );
  const apiInits = [5, 7, 9].map((d, i) => span('api', 'init', DAY + i, d));
  const worker = [1, 2, 3, 4].map((d, i) =>
    span('worker', 'process q', DAY + 50_000 + i, d, { invocation: true, error: i === 0, cold: i === 0 }),
  );
  const workerInit = span('worker', 'init', DAY + 49_000, 11);
  const old = span('worker', 'process q', OLD_DAY, 999, {
    invocation: true,
    error: true,
    cold: true,
    traceId: OLD_TRACE,
  });
  // The timeout guard's provisional copy, then the span's real end under the same ids.
  const real = span('guarded', 'slow call', DAY + 60_000, 40, { traceId: GUARDED });
  const provisional = {
    ...real,
    endTimeUnixNano: ns(DAY + 60_000 + 25),
    status: { code: 2 },
    attributes: [{ key: 'hoptrace.provisional', value: { boolValue: true } }],
  };
  await writeSpanTable(
    [
      rowsOf('api', [...api, ...apiInits]),
      // At-least-once delivery: the first three api spans arrive twice.
      rowsOf('api', api.slice(0, 3)),
      rowsOf('worker', [...worker, workerInit]),
      rowsOf('worker', [old]),
      rowsOf('guarded', [provisional]),
      rowsOf('guarded', [real]),
    ],
    dir,
  );
  table = await openSpanTable(dir);
});

afterAll(() => {
  table?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the named queries on the embedded engine', () => {
  it('trace-by-id: every span of the trace once, in start order', async () => {
    const rows = await table.query('trace-by-id', [TRACE, day(DAY), day(DAY)]);
    expect(rows.map((r) => r.duration_ms)).toEqual([10, 20, 30]);
  });

  it('trace-by-id: reads only the days given, however many the table keeps', async () => {
    expect(await table.query('trace-by-id', [OLD_TRACE, day(DAY - 86_400_000), day(DAY)])).toEqual([]);
    const rows = await table.query('trace-by-id', [OLD_TRACE, day(OLD_DAY), day(OLD_DAY + 86_400_000)]);
    expect(rows.map((r) => r.duration_ms)).toEqual([999]);
    expect(await table.query('trace-by-id', [TRACE, day(OLD_DAY), day(OLD_DAY + 86_400_000)])).toEqual([]);
  });

  it('slowest-operations: exact nearest-rank percentiles since the day given, duplicates dropped', async () => {
    const rows = await table.query('slowest-operations', ['2025-11-21']);
    expect(rows).toEqual([
      { service_name: 'api', span_name: 'GET /x', spans: '10', p50_ms: 50, p95_ms: 100, p99_ms: 100 },
      { service_name: 'guarded', span_name: 'slow call', spans: '1', p50_ms: 40, p95_ms: 40, p99_ms: 40 },
      { service_name: 'worker', span_name: 'init', spans: '1', p50_ms: 11, p95_ms: 11, p99_ms: 11 },
      { service_name: 'api', span_name: 'init', spans: '3', p50_ms: 7, p95_ms: 9, p99_ms: 9 },
      { service_name: 'worker', span_name: 'process q', spans: '4', p50_ms: 2, p95_ms: 4, p99_ms: 4 },
    ]);
  });

  it('error-rate-by-service', async () => {
    const rows = await table.query('error-rate-by-service', ['2025-11-21']);
    expect(rows).toEqual([
      { service_name: 'worker', spans: '5', errors: '1', error_percent: 20 },
      { service_name: 'api', spans: '13', errors: '2', error_percent: 15.38 },
      { service_name: 'guarded', spans: '1', errors: '0', error_percent: 0 },
    ]);
  });

  it('cold-starts-by-function, with init p50/p95; older days left out', async () => {
    const rows = await table.query('cold-starts-by-function', ['2025-11-21']);
    expect(rows).toEqual([
      {
        service_name: 'api',
        invocations: '10',
        cold_starts: '3',
        cold_start_percent: 30,
        init_p50_ms: 7,
        init_p95_ms: 9,
      },
      {
        service_name: 'worker',
        invocations: '4',
        cold_starts: '1',
        cold_start_percent: 25,
        init_p50_ms: 11,
        init_p95_ms: 11,
      },
    ]);
    const all = await table.query('cold-starts-by-function', ['2025-01-01']);
    expect(all.find((r) => r.service_name === 'worker')).toMatchObject({ invocations: '5', cold_starts: '2' });
  });

  it("keeps a span's real end over the timeout guard's provisional copy, whichever came first", async () => {
    const rows = await table.query('trace-by-id', [GUARDED, day(DAY), day(DAY)]);
    expect(rows.map((r) => [r.status_code, r.duration_ms])).toEqual([['Unset', 40]]);
  });

  it('says what is wrong with an unknown query or missing parameters', async () => {
    await expect(table.query('nope', [])).rejects.toThrow(/no named query "nope"; there are: trace-by-id/);
    await expect(table.query('trace-by-id', [TRACE])).rejects.toThrow(/takes 3 parameter/);
  });
});
