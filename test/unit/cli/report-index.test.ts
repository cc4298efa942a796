import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../../cli/src/analyze';
import { archiveViewData } from '../../../cli/src/archive/archive-read';
import { LOCAL_TABLE, localArchive } from '../../../cli/src/archive/local-archive';
import { SAMPLE_EVERY } from '../../../cli/src/analysis/report-detail';
import { viewData } from '../../../cli/src/report-data';
import { renderReport } from '../../../cli/src/view/report';
import {
  callsTable,
  durationOf,
  inventoryStatus,
  isColdTrace,
  isThrottled,
  REPORT_TRACES,
  reportData,
  reportRequests,
  reportSource,
  reportTraceId,
  SLOW_TRACE,
} from '../../helpers/report-traces';
import { writeRequestsBothWays } from './archive-fixture';

const all = Array.from({ length: REPORT_TRACES }, (_, i) => i);
// The list is newest first: trace i is at this index.
const listed = (i: number): number => REPORT_TRACES - 1 - i;

describe('the report’s index and the traces it holds in full', async () => {
  const data = await reportData();

  it('holds failed, slow, sampled and example traces in full, and the others as summaries with their operations and longest spans', () => {
    const inFull = new Set(Object.keys(data.details));
    const failed = all.filter((i) => inventoryStatus(i) !== undefined || (callsTable(i) && isThrottled(i)));
    for (const i of [...failed, SLOW_TRACE, ...all.filter(isColdTrace)])
      expect(inFull.has(reportTraceId(i)), `trace ${i}`).toBe(true);
    for (let n = 0; n < REPORT_TRACES; n += SAMPLE_EVERY) expect(inFull.has(data.traces[n]!.traceId)).toBe(true);
    const summaries = data.traces.filter((t) => !inFull.has(t.traceId));
    expect(summaries.length).toBeGreaterThan(10);
    const index = data.index!;
    expect(Object.keys(index.spanOperations).sort()).toEqual(summaries.map((t) => t.traceId).sort());
    const plain = all.find((i) => !inFull.has(reportTraceId(i)) && callsTable(i))!;
    const pairs = index.spanOperations[reportTraceId(plain)]!;
    const operations = [];
    for (let n = 0; n < pairs.length; n += 2) {
      const { service, name } = index.operations[pairs[n]!]!;
      operations.push(`${service} ${name} ${pairs[n + 1]}`);
    }
    const ms = durationOf(plain);
    expect(operations.sort()).toEqual([
      `api GET inventory ${ms - 4}`,
      `api POST /orders ${ms}`,
      'inventory DynamoDB.GetItem 10',
      `inventory GET /stock ${ms - 6}`,
    ]);
  });

  it('is smaller than the report with every trace in full', async () => {
    const full = await analyze(reportSource(), { detail: () => true });
    expect(full.details.size).toBe(REPORT_TRACES);
    const fullBytes = Buffer.byteLength(renderReport({ ...data, details: Object.fromEntries(full.details) }));
    expect(Buffer.byteLength(renderReport(data))).toBeLessThan(fullBytes);
  });

  it('splits the map’s failures by class and lists each element’s traces and latency', () => {
    const node = (id: string) => data.index!.nodes.find((n) => n.service === id)!;
    const mapNode = (id: string) => data.map.nodes.find((n) => n.service === id)!;
    const status = (code: number) => all.filter((i) => inventoryStatus(i) === code).length;
    expect(mapNode('inventory').failures).toEqual({ throttle: 0, '4xx': status(404), '5xx': status(503) });
    const throttled = all.filter((i) => callsTable(i) && isThrottled(i)).length;
    expect(mapNode('database:stock').failures).toEqual({ throttle: throttled, '4xx': 0, '5xx': 0 });
    expect(node('database:stock').traces).toEqual(
      all
        .filter(callsTable)
        .map(listed)
        .sort((a, b) => a - b),
    );
    const edge = data.map.edges.find((e) => e.from === 'inventory' && e.to === 'database:stock')!;
    expect(edge.failures.throttle).toBe(throttled);
    for (const n of data.map.nodes)
      expect(
        node(n.service).histogram.reduce((sum, b) => sum + b.count, 0),
        n.service,
      ).toBe(n.count);
  });

  it('links each stats row to its slowest and newest failed traces, and each function to its cold starts', () => {
    const operation = (name: string) => data.index!.operations.find((o) => o.name === name)!;
    expect(operation('POST /orders').slowest[0]).toBe(reportTraceId(SLOW_TRACE));
    const newestFailed = all
      .filter((i) => inventoryStatus(i) !== undefined)
      .reverse()
      .slice(0, 3);
    expect(operation('GET /stock').failed).toEqual(newestFailed.map(reportTraceId));
    expect(operation('POST /orders').failed).toEqual([]);
    expect(data.index!.functions).toEqual([
      { service: 'api', coldStarts: all.filter(isColdTrace).reverse().slice(0, 3).map(reportTraceId) },
    ]);
  });

  it('picks its examples as stats picks its own: the same traces when it lists every one', () => {
    for (const [i, o] of data.stats.operations.entries()) {
      expect(data.index!.operations[i], o.name).toEqual({
        service: o.service,
        name: o.name,
        slowest: o.slowestTraceIds,
        failed: o.failedTraceIds,
      });
    }
    expect(data.index!.functions).toEqual(
      data.stats.functions.map((f) => ({ service: f.service, coldStarts: f.coldStartTraceIds })),
    );
  });

  it('with --limit, picks its examples among the traces it lists, by the same rule', async () => {
    const limited = await viewData(reportSource(), {}, 10);
    const listedIds = new Set(limited.traces.map((t) => t.traceId));
    // The 10 newest are traces 50…59: the slowest POST /orders among them, and their failures newest first.
    const newest = all.slice(-10);
    const slowest = newest
      .toSorted((a, b) => durationOf(b) - durationOf(a) || reportTraceId(a).localeCompare(reportTraceId(b)))
      .slice(0, 3);
    const operation = (name: string) => limited.index!.operations.find((o) => o.name === name)!;
    expect(operation('POST /orders').slowest).toEqual(slowest.map(reportTraceId));
    expect(operation('GET /stock').failed).toEqual(
      newest
        .filter((i) => inventoryStatus(i) !== undefined)
        .reverse()
        .slice(0, 3)
        .map(reportTraceId),
    );
    for (const o of limited.index!.operations)
      for (const id of [...o.slowest, ...o.failed]) expect(listedIds.has(id), id).toBe(true);
    // The stats' own picks still range over every trace read.
    expect(limited.stats.operations.find((o) => o.name === 'POST /orders')!.slowestTraceIds[0]).toBe(
      reportTraceId(SLOW_TRACE),
    );
  });

  it('puts a cold start’s init, which ran before its invocation, on the critical path', () => {
    const cold = data.details[reportTraceId(20)]!;
    expect(cold.spans.find((s) => s.name === 'init')!.critical).toBe(true);
  });
});

describe('the report of the span table (--archive)', () => {
  it('is the report of the same spans as records: list, stats, map with its failures, index and the traces in full', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hoptrace-report-archive-'));
    try {
      await writeRequestsBothWays(reportRequests(), join(dir, 'records'), join(dir, 'span-table'));
      const engine = await localArchive(join(dir, 'span-table'));
      const fromArchive = await archiveViewData(
        engine,
        { dialect: 'duckdb', table: LOCAL_TABLE, filters: {} },
        5_000,
      ).finally(() => engine.close());
      const fromRecords = await reportData();
      const { traces, stats, map, index, details } = fromRecords;
      expect(fromArchive.traces).toEqual(traces);
      expect(fromArchive.stats).toEqual(stats);
      expect(fromArchive.map).toEqual(map);
      expect(fromArchive.index).toEqual(index);
      expect(Object.keys(fromArchive.details).sort()).toEqual(Object.keys(details).sort());
      const cold = reportTraceId(20);
      expect(fromArchive.details[cold]!.spans.map((s) => [s.spanId, s.critical])).toEqual(
        details[cold]!.spans.map((s) => [s.spanId, s.critical]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
