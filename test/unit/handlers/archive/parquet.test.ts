import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isoToNanos, spanTableParquet } from '../../../../handlers/archive/parquet';
import { openSpanTable, writeSpanTable } from '../../../../cli/src/archive/duckdb-table';
import { spanRows, type SpanRow } from '../../../../span-table/rows';
import type { OtlpExportRequest } from '../../../../src/otlp/types';
import { exportRequest, otlpSpan } from '../../../helpers/otlp-payload';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'hoptrace-parquet-'));
  dirs.push(dir);
  return dir;
};

// Every column kind the table has: texts (one not ASCII), maps (one empty), a nanosecond time,
// a bigint beyond 2^32, events and links with maps of their own, an empty list, a null tenant.
const request = exportRequest(
  [
    otlpSpan({
      traceId: 'a'.repeat(32),
      spanId: '1'.repeat(16),
      parentSpanId: '2'.repeat(16),
      traceState: 'v=1',
      name: 'GET /crème',
      startTimeUnixNano: '1763779515123456789',
      endTimeUnixNano: '1763779521373456790',
      attributes: [
        { key: 'http.route', value: { stringValue: '/crème' } },
        { key: 'n', value: { intValue: '42' } },
        { key: 'userId', value: { stringValue: 'u-1' } },
      ],
      events: [
        { timeUnixNano: '1763779515200000001', name: 'first', attributes: [{ key: 'k', value: { stringValue: 'v' } }] },
        { timeUnixNano: '1763779515300000002', name: 'second', attributes: [] },
      ],
      links: [
        {
          traceId: 'f'.repeat(32),
          spanId: 'e'.repeat(16),
          attributes: [{ key: 'why', value: { stringValue: 'batch' } }],
        },
      ],
      status: { code: 2, message: 'déclinée' },
    }),
    otlpSpan({ traceId: 'a'.repeat(32), spanId: '3'.repeat(16), name: 'child', attributes: [] }),
  ],
  'checkout',
) as unknown as OtlpExportRequest;

const SELECT = `SELECT * EXCLUDE (start_time), epoch_ns(start_time)::VARCHAR AS start_ns,
  list_transform(events, e -> epoch_ns(e.time)::VARCHAR) AS event_ns FROM otel_traces ORDER BY span_id`;

async function readBack(dir: string): Promise<unknown[]> {
  const table = await openSpanTable(dir);
  try {
    return await table.select(SELECT, []);
  } finally {
    table.close();
  }
}

describe("the archive's Parquet writer", () => {
  it("reads back in DuckDB exactly as the command's own writer's file, every column typed as the table says", async () => {
    const rows = spanRows(request);
    const ours = scratch();
    mkdirSync(join(ours, 'dt=2025-11-22'));
    writeFileSync(join(ours, 'dt=2025-11-22', 'part.parquet'), spanTableParquet(rows));
    const theirs = scratch();
    await writeSpanTable([{ partition: '2025-11-22', rows }], theirs);

    const read = await readBack(ours);
    expect(read).toEqual(await readBack(theirs));
    expect(read[0]).toMatchObject({
      span_name: 'GET /crème',
      start_ns: '1763779515123456789',
      duration_ns: 6_250_000_001,
      status_message: 'déclinée',
      tenant: null,
      event_ns: ['1763779515200000001', '1763779515300000002'],
      dt: '2025-11-22',
    });

    const table = await openSpanTable(ours);
    try {
      const types = await table.select('SELECT column_name, column_type FROM (DESCRIBE otel_traces)', []);
      expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toMatchObject({
        resource_attributes: 'MAP(VARCHAR, VARCHAR)',
        span_attributes: 'MAP(VARCHAR, VARCHAR)',
        start_time: 'TIMESTAMP_NS',
        duration_ns: 'BIGINT',
        events: 'STRUCT("time" TIMESTAMP_NS, "name" VARCHAR, attributes MAP(VARCHAR, VARCHAR))[]',
        links: 'STRUCT(trace_id VARCHAR, span_id VARCHAR, trace_state VARCHAR, attributes MAP(VARCHAR, VARCHAR))[]',
        tenant: 'VARCHAR',
      });
      // Map keys keep their case (Firehose's SerDe had to be told to).
      const [one] = await table.select("SELECT span_attributes['userId'] AS user FROM otel_traces WHERE span_id = ?", [
        '1'.repeat(16),
      ]);
      expect(one).toEqual({ user: 'u-1' });
    } finally {
      table.close();
    }
  });

  it('finds each trace by id in a file of many pages (its truncated statistics still bound the ids)', async () => {
    // 4,000 rows of 1 KB attributes: several pages per column; the ids' min/max statistics are cut to 16 bytes.
    const many = exportRequest(
      Array.from({ length: 4000 }, (_, i) =>
        otlpSpan({ attributes: [{ key: 'pad', value: { stringValue: `${i}`.padEnd(1024, 'x') } }] }),
      ),
      'bulk',
    ) as unknown as OtlpExportRequest;
    const rows = spanRows(many);
    const dir = scratch();
    mkdirSync(join(dir, 'dt=2023-11-14'));
    writeFileSync(join(dir, 'dt=2023-11-14', 'part.parquet'), spanTableParquet(rows));
    const table = await openSpanTable(dir);
    try {
      const sorted = [...rows].sort((a, b) => a.trace_id.localeCompare(b.trace_id));
      for (const row of [sorted[0]!, sorted[1]!, sorted[2000]!, sorted.at(-2)!, sorted.at(-1)!]) {
        const found = await table.select('SELECT span_id FROM otel_traces WHERE trace_id = ?', [row.trace_id]);
        expect(found).toEqual([{ span_id: row.span_id }]);
      }
      const [count] = await table.select('SELECT count(*) AS n FROM otel_traces', []);
      expect(count).toEqual({ n: 4000 });
    } finally {
      table.close();
    }
  });

  it('writes a file of no rows as a valid empty table', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'dt=2025-11-22'));
    writeFileSync(join(dir, 'dt=2025-11-22', 'part.parquet'), spanTableParquet([] as SpanRow[]));
    expect(await readBack(dir)).toEqual([]);
  });

  it("reads the rows' ISO times back to the nanosecond", () => {
    expect(isoToNanos('2025-11-22T02:45:15.123456789Z')).toBe(1763779515123456789n);
    expect(isoToNanos('1970-01-01T00:00:00.000000001Z')).toBe(1n);
    expect(isoToNanos('2025-11-22T02:45:15Z')).toBe(1763779515000000000n);
  });
});
