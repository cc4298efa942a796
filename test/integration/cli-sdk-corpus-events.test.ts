import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { failuresOfTracesStatement, tracesStatement } from '../../cli/src/archive/archive-sql';
import { openSpanTable, type SpanTable } from '../../cli/src/archive/duckdb-table';
import { parseCommandLine } from '../../cli/src/args';
import type { TraceSummary } from '../../cli/src/model';
import { TABLE_NAME } from '../../span-table/catalog';
import { AthenaStandIn, DATABASE, WORKGROUP } from '../helpers/athena-stand-in';
import { type PlannedSpan, type PlannedTrace, planCorpus, recordCorpus, writeCorpus } from '../helpers/sdk-corpus';
import { hoptraceJson } from '../unit/cli/run-cli';

// Issue 20's event fields (`event:name`, `event.<attribute>`) on the 5,000 traces recorded with
// the real OpenTelemetry JS SDK: the exceptions the SDK's recordException leaves as span events
// (card_declined on the payments server span, which has no status message; a throttled
// UpdateItem's), found from stream records, OTLP JSON lines, the Parquet span table and Athena.
// Every expected list is computed from the generator's plan.

const TRACES = 5000;
const LIMIT = String(TRACES * 2);
const plan: PlannedTrace[] = planCorpus(TRACES, 20);
let dir: string;
let paths: { records: string; lines: string; table: string };
let table: SpanTable;
let standIn: AthenaStandIn;
let endpoint: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-sdk-events-'));
  paths = { records: join(dir, 'records'), lines: join(dir, 'spans.jsonl'), table: join(dir, 'span-table') };
  await writeCorpus(await recordCorpus(plan), paths);
  table = await openSpanTable(paths.table);
  standIn = new AthenaStandIn(1000);
  await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(standIn.server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  table?.close();
  await new Promise((resolve) => standIn?.server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const idsWhere = (test: (s: PlannedSpan) => boolean): string[] =>
  plan
    .filter((t) => t.spans.some(test))
    .map((t) => t.traceId)
    .sort();
const ids = (rows: unknown): string[] => (rows as TraceSummary[]).map((t) => t.traceId).sort();

const declined = idsWhere((s) => s.failure?.exception?.message === 'card_declined');
const throttled = idsWhere((s) => s.failure?.exception?.type === 'ProvisionedThroughputExceededException');
const withException = idsWhere((s) => s.failure?.exception !== undefined);
const both = declined.filter((id) => throttled.includes(id));

const KNOWN: Array<[string, string[]]> = [
  ['{ event.exception.message =~ ".*card_declined.*" }', declined],
  ['{ event:name = "exception" }', withException],
  [
    '{ event:name = "exception" && event.exception.type = "ProvisionedThroughputExceededException" && resource.service.name = "inventory" }',
    throttled,
  ],
  // An event with a message other than card_declined: the throttles'. Spans without events satisfy nothing.
  ['{ event.exception.message != "card_declined" }', throttled],
  // card_declined is on the payments server span, the throttle's exception on a client span.
  ['{ event:name = "exception" && kind = client }', throttled],
  ['{ event.exception.message = "card_declined" } && { event.exception.message = "Rate exceeded" }', both],
];

describe('the plan', () => {
  it('holds every case', () => {
    expect(declined.length).toBeGreaterThan(50);
    expect(throttled.length).toBeGreaterThan(50);
    expect(both.length).toBeGreaterThan(0);
    expect(withException.length).toBe(new Set([...declined, ...throttled]).size);
  });
});

describe.each([
  ['stream records', '--dir'],
  ['OTLP JSON lines', '--file'],
  ['the Parquet span table', '--archive'],
] as const)('event fields on %s', (_name, flag) => {
  const where = (): string => (flag === '--dir' ? paths.records : flag === '--file' ? paths.lines : paths.table);

  it.each(KNOWN)('%s', async (query, expected) => {
    expect(ids(await hoptraceJson('traces', flag, where(), '--limit', LIMIT, '--query', query))).toEqual(expected);
  });
});

describe('event fields on Athena (the stand-in)', () => {
  afterEach(() => standIn.answers.clear());

  it.each(KNOWN)('%s: the known answer, as --archive gives it', async (query, expected) => {
    const { filters } = parseCommandLine(['traces', '--dir', dir, '--query', query]);
    const limit = Number(LIMIT);
    await standIn.can(table, (scope) => tracesStatement(scope, limit), {
      dialect: 'athena',
      table: TABLE_NAME,
      filters,
    });
    const duck = tracesStatement({ dialect: 'duckdb', table: 'otel_traces', filters }, limit);
    const failed = (await table.select(duck.sql, duck.parameters))
      .filter((row) => Number(row.errors) > 0)
      .map((row) => String(row.trace_id));
    if (failed.length > 0)
      await standIn.can(table, (scope) => failuresOfTracesStatement(scope, failed), {
        dialect: 'athena',
        table: TABLE_NAME,
        filters,
      });
    const out = await hoptraceJson(
      'traces',
      '--limit',
      LIMIT,
      '--query',
      query,
      '--athena',
      '--workgroup',
      WORKGROUP,
      '--database',
      DATABASE,
      '--endpoint',
      endpoint,
    );
    expect(ids(out)).toEqual(expected);
    expect(out).toEqual(await hoptraceJson('traces', '--limit', LIMIT, '--query', query, '--archive', paths.table));
  });
});
