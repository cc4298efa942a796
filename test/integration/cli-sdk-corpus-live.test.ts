import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FocusedTrace } from '../../cli/src/analysis/trace-focus';
import { failuresOfTracesStatement, spansOfTracesStatement, tracesStatement } from '../../cli/src/archive/archive-sql';
import { openSpanTable, type SpanTable } from '../../cli/src/archive/duckdb-table';
import { parseCommandLine } from '../../cli/src/args';
import { archiveScope } from '../../cli/src/commands';
import type { TraceSummary } from '../../cli/src/model';
import { decodeStreamRecord } from '../../src/otlp/stream-record';
import { createStream, startKinesalite, type LocalKinesis } from '../../testing/kinesis';
import { AthenaStandIn, DATABASE, WORKGROUP } from '../helpers/athena-stand-in';
import { recordCorpus, writeCorpus } from '../helpers/sdk-corpus';
import {
  acrossMidnight,
  byTraceId,
  expectedSummary,
  firstStartMs,
  MIDNIGHT,
  slowInventoryUpdate,
  summaryOf,
} from '../helpers/sdk-corpus-answers';
import { hoptrace } from '../unit/cli/run-cli';

// Issue 20's known answers on the live sources: the SDK corpus (across a midnight, as in
// cli-sdk-corpus-window.test.ts) put into a Kinesis stream (kinesalite) and read with
// `--stream`, and its span table answered through the Athena stand-in for `--athena`. Every
// expected value is computed from the plan, never from the command.

const TRACES = 5000;
const { plan, startMs: BASE, straddler, big, nowMs: NOW } = acrossMidnight(TRACES, 20);
const STREAM = 'sdk-corpus';

let dir: string;
let table: SpanTable;
let kinesis: LocalKinesis;
let standIn: AthenaStandIn;
let endpoint: string;

/** The SDK's batch span processor exports every 5 seconds (its default scheduledDelayMillis). */
const EXPORT_EVERY_MS = 5000;

/**
 * A record as the ingest put it: its partition key, the trace id; its arrival, when the
 * exporter sent the spans that ended in its interval (and a tenth of a second on the way).
 */
function putAs(data: Buffer): { data: Buffer; key: string; at: number } {
  let end = 0;
  let key = '';
  for (const resource of decodeStreamRecord(data).request.resourceSpans ?? [])
    for (const scope of resource.scopeSpans ?? [])
      for (const span of scope.spans ?? []) {
        key = span.traceId;
        end = Math.max(end, Number(BigInt(span.endTimeUnixNano) / 1_000_000n));
      }
  return { data, key, at: (Math.floor(end / EXPORT_EVERY_MS) + 1) * EXPORT_EVERY_MS + 100 };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-sdk-live-'));
  const paths = { records: join(dir, 'records'), lines: join(dir, 'spans.jsonl'), table: join(dir, 'span-table') };
  await writeCorpus(await recordCorpus(plan), paths, EXPORT_EVERY_MS);
  table = await openSpanTable(paths.table);
  standIn = new AthenaStandIn(1000);
  endpoint = await standIn.listen();

  // kinesalite stamps a record's arrival with the clock when it is put: the clock is moved to
  // each record's arrival, so AT_TIMESTAMP and the stop past --until see the corpus's times.
  vi.useFakeTimers({ toFake: ['Date'], now: BASE - 30 * 60_000 });
  kinesis = await startKinesalite();
  await createStream(kinesis.client, STREAM, 2);
  const put = async (records: Array<{ data: Buffer; key: string }>) => {
    const answer = await kinesis.client.send(
      new PutRecordsCommand({
        StreamName: STREAM,
        Records: records.map((r) => ({ PartitionKey: r.key, Data: r.data })),
      }),
    );
    expect(answer.FailedRecordCount ?? 0).toBe(0);
  };
  // A record no reader can decode, in the stream half an hour before the corpus.
  await put([{ data: Buffer.from('not a stream record'), key: 'x' }]);
  const records = readdirSync(paths.records)
    .map((file) => putAs(readFileSync(join(paths.records, file))))
    .sort((a, b) => a.at - b.at);
  for (let i = 0; i < records.length; ) {
    const at = records[i]!.at;
    const group: typeof records = [];
    let bytes = 0;
    while (i < records.length && records[i]!.at === at && group.length < 100 && bytes < 3_000_000) {
      group.push(records[i]!);
      bytes += records[i]!.data.length;
      i++;
    }
    vi.setSystemTime(at);
    await put(group);
  }
  vi.setSystemTime(NOW);
}, 180_000);

afterEach(() => standIn.answers.clear());

afterAll(async () => {
  vi.useRealTimers();
  await kinesis?.close();
  await standIn?.close();
  table?.close();
  rmSync(dir, { recursive: true, force: true });
});

const inWindow = (fromMs: number, toMs: number) =>
  byTraceId(plan.filter((t) => firstStartMs(t) >= fromMs && firstStartMs(t) < toMs).map(expectedSummary));
const iso = (t: number): string => new Date(t).toISOString();
const LIMIT = String(TRACES * 2);
const SHORTHANDS = ['--service', 'inventory', '--name', 'UpdateItem', '--min-duration', '500ms'];
const slowUpdates = byTraceId(plan.filter((t) => t.spans.some(slowInventoryUpdate)).map(expectedSummary));

describe('--stream (kinesalite)', () => {
  const stream = async (...argv: string[]) => {
    const { out, notes } = await hoptrace(
      'traces',
      '--limit',
      LIMIT,
      ...argv,
      '--stream',
      STREAM,
      '--endpoint',
      kinesis.endpoint,
      '--json',
    );
    return { rows: byTraceId((JSON.parse(out) as TraceSummary[]).map(summaryOf)), notes };
  };

  it('traces --json: every trace as the plan says it, and the record that is not one', async () => {
    const { rows, notes } = await stream();
    expect(rows).toEqual(inWindow(-Infinity, Infinity));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^skipped 1 record\(s\) and 0 span\(s\) that could not be read; the first \(stream record /,
    );
  });

  it('--service inventory --name UpdateItem --min-duration 500ms: one span meets all three', async () => {
    expect((await stream(...SHORTHANDS)).rows).toEqual(slowUpdates);
  });

  it('--since midnight starts 20 minutes before it (AT_TIMESTAMP): the record before then is not read', async () => {
    const { rows, notes } = await stream('--since', iso(MIDNIGHT));
    expect(rows).toEqual(inWindow(MIDNIGHT, Infinity));
    expect(notes).toEqual([]);
  });

  it('--since a second past midnight: the trace begun before, whose tail arrived after, is not in', async () => {
    // The straddler's response was exported at midnight and its tail later, in a record of its own.
    const from = MIDNIGHT + 1000;
    const tail = straddler.spans.filter((s) => s.startMs >= from);
    expect(tail.length).toBeGreaterThan(0);
    expect(straddler.spans.filter((s) => s.endMs >= MIDNIGHT)).toEqual(tail);
    const { rows } = await stream('--since', iso(from));
    expect(rows).toEqual(inWindow(from, Infinity));
    expect(rows.some((t) => t.traceId === straddler.traceId)).toBe(false);
  });

  it('--since 25m --until 00:12, and --until midnight with the tail past it', async () => {
    expect((await stream('--since', '25m', '--until', iso(MIDNIGHT + 12 * 60_000))).rows).toEqual(
      inWindow(NOW - 25 * 60_000, MIDNIGHT + 12 * 60_000),
    );
    const { rows } = await stream('--until', iso(MIDNIGHT));
    expect(rows).toEqual(inWindow(-Infinity, MIDNIGHT));
    expect(rows.find((t) => t.traceId === straddler.traceId)?.spanCount).toBe(straddler.spans.length);
  });
});

describe('--athena (the stand-in)', () => {
  const athenaArgs = ['--athena', '--workgroup', WORKGROUP, '--database', DATABASE, '--endpoint'];
  const scopeOf = (argv: string[]) => archiveScope(parseCommandLine([...argv, ...athenaArgs, endpoint]));

  /** Cans the list and the failed spans of the traces it lists with errors, in the command's scope. */
  async function canTraces(argv: string[]): Promise<void> {
    const scope = scopeOf(argv);
    await standIn.can(table, (s) => tracesStatement(s, Number(LIMIT)), scope);
    const duck = tracesStatement({ ...scope, dialect: 'duckdb', table: 'otel_traces' }, Number(LIMIT));
    const failed = (await table.select(duck.sql, duck.parameters))
      .filter((row) => Number(row.errors) > 0)
      .map((row) => String(row.trace_id));
    if (failed.length > 0) await standIn.can(table, (s) => failuresOfTracesStatement(s, failed), scope);
  }
  const athena = async (...argv: string[]) => {
    const line = ['traces', '--limit', LIMIT, ...argv];
    await canTraces(line);
    const { out } = await hoptrace(...line, ...athenaArgs, endpoint, '--json');
    return byTraceId((JSON.parse(out) as TraceSummary[]).map(summaryOf));
  };
  /** The days (`dt` values) the last query read from. */
  const days = () => standIn.parameters.at(-1)!.filter((p) => /^'\d{4}-\d{2}-\d{2}'$/.test(p));

  it('traces --json: every trace as the plan says it', async () => {
    expect(await athena()).toEqual(inWindow(-Infinity, Infinity));
  });

  it('--service inventory --name UpdateItem --min-duration 500ms: one span meets all three', async () => {
    expect(await athena(...SHORTHANDS)).toEqual(slowUpdates);
  });

  it('--since midnight: the trace begun the day before is not in, though its tail is', async () => {
    expect(await athena('--since', iso(MIDNIGHT))).toEqual(inWindow(MIDNIGHT, Infinity));
    // Its failed spans' statement, the last, reads from the day before midnight, for the traces begun then.
    expect(days()).toEqual(["'2026-11-02'"]);
  });

  it('--until midnight: the trace begun before it is in whole; a window 20 minutes past midnight reads its day only', async () => {
    const rows = await athena('--until', iso(MIDNIGHT));
    expect(rows).toEqual(inWindow(-Infinity, MIDNIGHT));
    expect(rows.find((t) => t.traceId === straddler.traceId)?.spanCount).toBe(straddler.spans.length);
    const from = MIDNIGHT + 21 * 60_000;
    expect(await athena('--since', iso(from), '--until', '1m')).toEqual(inWindow(from, NOW - 60_000));
    expect(days()).toEqual(["'2026-11-03'", "'2026-11-03'"]);
  });

  it('trace <the big trace> --critical: the root, the shard that ends last and its writes', async () => {
    const shards = big.spans.filter((s) => s.parentSpanId === big.root.spanId);
    const longest = shards.reduce((a, b) => (b.endMs > a.endMs ? b : a));
    const line = ['trace', big.traceId, '--critical'];
    await standIn.can(table, (s) => spansOfTracesStatement(s, [big.traceId]), scopeOf(line));
    const trace = JSON.parse((await hoptrace(...line, ...athenaArgs, endpoint, '--json')).out) as FocusedTrace;
    expect(trace.spans.map((s) => s.spanId).sort()).toEqual(
      [big.root, longest, ...big.spans.filter((s) => s.parentSpanId === longest.spanId)].map((s) => s.spanId).sort(),
    );
    expect(trace.hiddenSpans).toBe(10_000 - trace.spans.length);
  });
});
