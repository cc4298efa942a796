import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TraceComparison } from '../../cli/src/analysis/compare-traces';
import type { FocusedTrace } from '../../cli/src/analysis/trace-focus';
import type { TraceSummary } from '../../cli/src/model';
import {
  BIG_FAILED,
  BIG_SHARDS,
  BIG_WRITES,
  type PlannedSpan,
  type PlannedTrace,
  recordCorpus,
  writeCorpus,
} from '../helpers/sdk-corpus';
import {
  acrossMidnight,
  byTraceId,
  expectedSummary,
  firstStartMs,
  MIDNIGHT,
  ms,
  summaryOf,
} from '../helpers/sdk-corpus-answers';
import { failureOf, hoptraceJson } from '../unit/cli/run-cli';

// Issue 20's time window, the focus flags of `trace <id>` and `compare`, on the SDK corpus
// read from stream records, OTLP JSON lines and the Parquet span table. The corpus runs across
// a midnight (UTC), with a trace whose asynchronous tail starts after it: the span table keeps
// that tail in the next day's folder, as the Firehose transformation places it. Every expected
// value is computed from the plan, never from the command.

const TRACES = 5000;
const SEED = 20;
const { plan, startMs: BASE, straddler, big, nowMs: NOW } = acrossMidnight(TRACES, SEED);

let dir: string;
let paths: { records: string; lines: string; table: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-sdk-window-'));
  paths = { records: join(dir, 'records'), lines: join(dir, 'spans.jsonl'), table: join(dir, 'span-table') };
  await writeCorpus(await recordCorpus(plan), paths);
  vi.useFakeTimers({ toFake: ['Date'], now: NOW });
}, 120_000);

afterAll(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

const iso = (t: number): string => new Date(t).toISOString();
/** The trace that starts nearest a time. */
const startingNear = (t: number): PlannedTrace =>
  plan.reduce((a, b) => (Math.abs(firstStartMs(b) - t) < Math.abs(firstStartMs(a) - t) ? b : a));
const inWindow = (fromMs: number, toMs: number) =>
  byTraceId(plan.filter((t) => firstStartMs(t) >= fromMs && firstStartMs(t) < toMs).map(expectedSummary));

describe('the plan', () => {
  it('holds every case', () => {
    expect(firstStartMs(straddler)).toBeLessThan(MIDNIGHT);
    expect(straddler.spans.some((s) => s.startMs >= MIDNIGHT)).toBe(true);
    expect(Math.max(...plan.flatMap((p) => p.spans.map((s) => s.endMs)))).toBeLessThan(NOW);
    expect(big.spans).toHaveLength(10_000);
  });
});

const SOURCES = [
  ['stream records', '--dir'],
  ['OTLP JSON lines', '--file'],
  ['the Parquet span table', '--archive'],
] as const;

describe.each(SOURCES)('--since / --until on %s', (_name, flag) => {
  const where = (): string => (flag === '--dir' ? paths.records : flag === '--file' ? paths.lines : paths.table);
  const window = async (...argv: string[]) =>
    byTraceId(
      ((await hoptraceJson('traces', flag, where(), '--limit', String(TRACES * 2), ...argv)) as TraceSummary[]).map(
        summaryOf,
      ),
    );

  it('a duration ago: --since 15m', async () => {
    expect(await window('--since', '15m')).toEqual(inWindow(NOW - 15 * 60_000, Infinity));
  });

  it('from midnight: the trace begun the day before is not in, though its tail is', async () => {
    expect(await window('--since', iso(MIDNIGHT))).toEqual(inWindow(MIDNIGHT, Infinity));
  });

  it('up to midnight: the trace begun before it is in whole, with its tail past midnight', async () => {
    const got = await window('--until', iso(MIDNIGHT));
    expect(got).toEqual(inWindow(-Infinity, MIDNIGHT));
    expect(got.find((t) => t.traceId === straddler.traceId)?.spanCount).toBe(straddler.spans.length);
  });

  it('from a time without a zone (UTC) to a duration ago: the start is in', async () => {
    const from = firstStartMs(startingNear(BASE + 8 * 60_000));
    const got = await window('--since', iso(from).replace('T', ' ').replace('Z', ''), '--until', '10m');
    expect(got).toEqual(inWindow(from, NOW - 10 * 60_000));
    expect(got.some((t) => t.startTime === iso(from))).toBe(true);
  });

  it('from a time with an offset to an ISO time: the end is out', async () => {
    const to = firstStartMs(startingNear(MIDNIGHT + 12 * 60_000));
    // 01:05+01:00 is 00:05Z.
    const got = await window('--since', '2026-11-03T01:05:00+01:00', '--until', iso(to));
    expect(got).toEqual(inWindow(MIDNIGHT + 5 * 60_000, to));
    expect(got.some((t) => t.startTime === iso(to))).toBe(false);
  });
});

describe('--archive reads only the days the window covers', () => {
  // A copy of the table with an unreadable file in the first day (after the good one: DuckDB
  // takes the columns from the first file) and one in a later day: reading either fails.
  let damaged: string;
  beforeAll(() => {
    damaged = join(dir, 'damaged');
    cpSync(paths.table, damaged, { recursive: true });
    const first = join(damaged, `dt=${iso(BASE).slice(0, 10)}`);
    expect(readdirSync(first).every((file) => file < 'zz')).toBe(true);
    writeFileSync(join(first, 'zz-broken.parquet'), 'not parquet');
    mkdirSync(join(damaged, 'dt=2026-12-01'));
    writeFileSync(join(damaged, 'dt=2026-12-01', 'broken.parquet'), 'not parquet');
  });
  const traces = (...argv: string[]) => hoptraceJson('traces', '--archive', damaged, '--limit', '20000', ...argv);

  it('a window on the second day, 20 minutes past midnight, opens that day only', async () => {
    const from = MIDNIGHT + 21 * 60_000;
    const rows = (await traces('--since', iso(from), '--until', iso(from + 9 * 60_000))) as TraceSummary[];
    expect(byTraceId(rows.map(summaryOf))).toEqual(inWindow(from, from + 9 * 60_000));
    expect(rows.length).toBeGreaterThan(100);
  });

  it('a window that starts less than 20 minutes past midnight opens the day before too', async () => {
    await expect(traces('--since', iso(MIDNIGHT + 5 * 60_000), '--until', '1m')).rejects.toThrow(/zz-broken\.parquet/);
  });

  it('without a window, every day is read', async () => {
    await expect(traces()).rejects.toThrow(/broken\.parquet/);
  });
});

// The big trace: POST /imports, BIG_SHARDS shards in parallel, each BIG_WRITES writes back to back.
const children = (span: PlannedSpan): PlannedSpan[] => big.spans.filter((s) => s.parentSpanId === span.spanId);
const shards = children(big.root);
const longest = shards.reduce((a, b) => (b.endMs > a.endMs ? b : a));

describe.each(SOURCES.slice(1))('trace <id> --critical / --errors / --depth on %s', (_name, flag) => {
  const where = (): string => (flag === '--dir' ? paths.records : flag === '--file' ? paths.lines : paths.table);
  const focus = async (...argv: string[]) =>
    (await hoptraceJson('trace', big.traceId, flag, where(), ...argv)) as FocusedTrace;
  const ids = (trace: FocusedTrace) => trace.spans.map((s) => s.spanId).sort();

  it('the plan makes one shard the longest, with every write back to back', () => {
    expect(shards.filter((s) => s.endMs === longest.endMs)).toHaveLength(1);
    expect(children(longest).every((w, i, all) => i === 0 || w.startMs === all[i - 1]!.endMs)).toBe(true);
  });

  it('--critical: the root, the shard that ends last and all its writes, each ending as the next starts', async () => {
    const trace = await focus('--critical');
    const expected = [big.root, longest, ...children(longest)];
    expect(ids(trace)).toEqual(expected.map((s) => s.spanId).sort());
    expect(trace.spans.every((s) => s.critical)).toBe(true);
    expect(trace.hiddenSpans).toBe(10_000 - expected.length);
  });

  it('--errors: the two throttled writes, with their shards and the root', async () => {
    const trace = await focus('--errors');
    const failed = BIG_FAILED.map(([k, w]) => children(shards[k]!)[w]!);
    expect(failed.every((s) => s.failure)).toBe(true);
    expect(ids(trace)).toEqual(
      [big.root, ...BIG_FAILED.map(([k]) => shards[k]!), ...failed].map((s) => s.spanId).sort(),
    );
    expect(
      trace.spans
        .filter((s) => s.status === 'error')
        .map((s) => s.spanId)
        .sort(),
    ).toEqual(failed.map((s) => s.spanId).sort());
  });

  it('--depth 2: the root and its shards, each saying it hides its writes', async () => {
    const trace = await focus('--depth', '2');
    expect(ids(trace)).toEqual([big.root, ...shards].map((s) => s.spanId).sort());
    expect(trace.spans.filter((s) => s.parentSpanId !== undefined).map((s) => s.hiddenBelow)).toEqual(
      Array(BIG_SHARDS).fill(BIG_WRITES),
    );
    expect(trace.spans.find((s) => s.spanId === big.root.spanId)?.hiddenBelow).toBeUndefined();
    expect(trace.hiddenSpans).toBe(BIG_SHARDS * BIG_WRITES);
    const top = await focus('--depth', '1', '--critical');
    expect(top.spans.map((s) => [s.spanId, s.hiddenBelow])).toEqual([[big.root.spanId, 1 + BIG_WRITES]]);
  });
});

/** A span's key in `compare`: its service, name and its ancestors' names from the root. */
function keysOf(t: PlannedTrace): Map<string, PlannedSpan> {
  const byId = new Map(t.spans.map((s) => [s.spanId, s]));
  const path = (s: PlannedSpan): string[] => {
    const parent = s.parentSpanId === undefined ? undefined : byId.get(s.parentSpanId);
    return parent ? [...path(parent), parent.name] : [];
  };
  return new Map(t.spans.map((s) => [JSON.stringify([s.service, s.name, path(s)]), s]));
}

const complete = plan.filter((t) => !t.rootWithheld && t !== big && !t.spans.some((s) => s.failure));
const has = (t: PlannedTrace, name: string, service?: string) =>
  t.spans.some((s) => s.name === name && (service === undefined || s.service === service));
// a: a POST with the ledger write and the fulfilment tail; b: a POST with neither.
const a = complete.find((t) => has(t, 'DynamoDB.UpdateItem', 'payments') && has(t, 'order-events process'))!;
const b = complete.find(
  (t) => has(t, 'POST /charge') && !has(t, 'DynamoDB.UpdateItem', 'payments') && !has(t, 'order-events process'),
)!;

describe.each(SOURCES.slice(1))('compare on %s', (_name, flag) => {
  const where = (): string => (flag === '--dir' ? paths.records : flag === '--file' ? paths.lines : paths.table);

  it('compare <a> <b>: the ledger write and the tail only in a, every other span matched, durations b - a', async () => {
    const result = (await hoptraceJson('compare', a.traceId, b.traceId, flag, where())) as TraceComparison;
    const ka = keysOf(a);
    const kb = keysOf(b);
    const onlyA = [...ka].filter(([k]) => !kb.has(k)).map(([, s]) => s);
    expect(onlyA.map((s) => s.name).sort()).toEqual([
      'DynamoDB.PutItem',
      'DynamoDB.UpdateItem',
      'order-events process',
    ]);
    expect(result.onlyInA.map((s) => s.spanId).sort()).toEqual(onlyA.map((s) => s.spanId).sort());
    expect(result.onlyInB).toEqual([]);
    expect(result.matched).toBe(b.spans.length);
    const changes = [...kb]
      .map(([k, y]) => ({ aSpanId: ka.get(k)!.spanId, bSpanId: y.spanId, deltaMs: ms(y) - ms(ka.get(k)!) }))
      .filter((c) => c.deltaMs !== 0);
    expect(
      result.changed
        .map(({ aSpanId, bSpanId, deltaMs }) => ({ aSpanId, bSpanId, deltaMs }))
        .sort((x, y) => x.aSpanId.localeCompare(y.aSpanId)),
    ).toEqual(changes.sort((x, y) => x.aSpanId.localeCompare(y.aSpanId)));
    expect(result.a).toEqual({ traceId: a.traceId, durationMs: expectedSummary(a).durationMs, spans: a.spans.length });
    expect(result.b).toEqual({ traceId: b.traceId, durationMs: expectedSummary(b).durationMs, spans: b.spans.length });
  });

  it('compare <trace>: the POST nearest the median POST /orders response time', async () => {
    const posts = plan.filter((t) => !t.rootWithheld && t.root.name === 'POST /orders');
    const sorted = posts.map((t) => ms(t.root)).sort((x, y) => x - y);
    const median = sorted[Math.ceil(sorted.length / 2) - 1]!;
    const typical = posts
      .filter((t) => t !== a)
      .sort(
        (x, y) => Math.abs(ms(x.root) - median) - Math.abs(ms(y.root) - median) || x.traceId.localeCompare(y.traceId),
      )[0]!;
    const result = (await hoptraceJson('compare', a.traceId, flag, where())) as TraceComparison;
    expect([result.a.traceId, result.b.traceId]).toEqual([a.traceId, typical.traceId]);
  });

  it('compare <the big trace>: no other trace has its root', async () => {
    const error = await failureOf(hoptraceJson('compare', big.traceId, flag, where()));
    expect(error.message).toBe(`no other trace has the root api: POST /imports to compare trace ${big.traceId} with`);
  });
});
