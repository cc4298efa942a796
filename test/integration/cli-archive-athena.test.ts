import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  failuresOfTracesStatement,
  sameRootStatement,
  spansOfNewestStatement,
  spansOfTracesStatement,
  summaryStatement,
  TRACE_WINDOW_DAYS,
  tracesStatement,
  valuesStatement,
  type Scope,
  type Statement,
} from '../../cli/src/archive/archive-sql';
import { openSpanTable, type SpanTable } from '../../cli/src/archive/duckdb-table';
import type { Filters } from '../../cli/src/analysis/filters';
import { parseCommandLine } from '../../cli/src/args';
import { withError, withValues } from '../../cli/src/query/with-values';
import { archiveViewData, type ArchiveEngine } from '../../cli/src/archive/archive-read';
import { TABLE_NAME } from '../../span-table/catalog';
import { AthenaStandIn, DATABASE, WORKGROUP } from '../helpers/athena-stand-in';
import { writeBothWays } from '../unit/cli/archive-fixture';
import { failureOf, hoptraceJson as json } from '../unit/cli/run-cli';
import { traceId } from '../unit/cli/traces';

// `--athena` through the real AWS SDK v3 Athena client against a loopback stand-in that
// speaks Athena's JSON protocol (test/helpers/athena-stand-in.ts), paging at PAGE rows.

const PAGE = 4;

let dir: string;
let archive: string;
let table: SpanTable;
let standIn: AthenaStandIn;
let endpoint: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-athena-'));
  archive = join(dir, 'span-table');
  await writeBothWays(join(dir, 'records'), archive);
  table = await openSpanTable(archive);
  standIn = new AthenaStandIn(PAGE);
  endpoint = await standIn.listen();
});

afterEach(() => standIn.answers.clear());

afterAll(async () => {
  table?.close();
  await standIn?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Cans the answer to one question: the DuckDB rendering's rows on the local table, for the Athena rendering. */
const can = (question: (scope: Scope) => Statement, filters: Filters = {}): Promise<void> =>
  standIn.can(table, question, { dialect: 'athena', table: TABLE_NAME, filters });

/** Cans the list of traces and the second question it asks: the failed spans of the traces listed with errors. */
async function canTraces(limit: number, filters: Filters = {}): Promise<void> {
  await can((scope) => tracesStatement(scope, limit), filters);
  const duck = tracesStatement({ dialect: 'duckdb', table: 'otel_traces', filters }, limit);
  const failed = (await table.select(duck.sql, duck.parameters))
    .filter((row) => Number(row.errors) > 0)
    .map((row) => String(row.trace_id));
  if (failed.length > 0) await can((scope) => failuresOfTracesStatement(scope, failed), filters);
}

const athena = (...argv: string[]) =>
  json(...argv, '--athena', '--workgroup', WORKGROUP, '--database', DATABASE, '--endpoint', endpoint);

describe('hoptrace --athena', () => {
  it('traces: polled to completion, paged, typed, as --archive answers', async () => {
    await canTraces(100);
    const before = standIn.calls.length;
    const out = await athena('traces', '--limit', '100');
    expect(out).toEqual(await json('traces', '--limit', '100', '--archive', archive));
    const calls = standIn.calls.slice(before);
    // Two queries: the list, then the 8 failed spans of the 7 traces listed with errors.
    expect(calls.filter((c) => c === 'StartQueryExecution')).toHaveLength(2);
    expect(calls.filter((c) => c === 'GetQueryExecution')).toHaveLength(6);
    expect(calls.filter((c) => c === 'GetQueryResults').length).toBe(Math.ceil(27 / PAGE) + Math.ceil(8 / PAGE));
  });

  it('traces with filters: the values go as quoted ExecutionParameters', async () => {
    const filtersOf = (...argv: string[]): Filters => parseCommandLine(['traces', '--dir', dir, ...argv]).filters;
    await canTraces(20, filtersOf('--attr', 'tenant=acme', '--name', "it's"));
    expect(await athena('traces', '--attr', 'tenant=acme', '--name', "it's")).toEqual([]);
    await canTraces(20, filtersOf('--attr', 'tenant=acme'));
    const found = (await athena('traces', '--attr', 'tenant=acme')) as Array<{ traceId: string }>;
    expect(found.map((t) => t.traceId)).toEqual([traceId(2)]);
  });

  it.each([
    // Regular expressions match the whole value: GET /stock and the 23 GET /x, not trace 1's GET stock.
    ['{ name =~ "GET /.*" && kind = server }', [1, ...Array.from({ length: 23 }, (_, i) => 10 + i)]],
    ['{ status = error && name !~ "GET.*" }', [1, 41]],
    ['{ resource.service.name = "inventory" } && { name = "query" } && { duration >= 38ms }', [1]],
    ['{ span.http.response.status_code = 429 && status = error }', [41]],
    // Event fields: trace 41's exception event, trace 1's "cache miss".
    ['{ event:name = "exception" && event.exception.message =~ ".*Rate.*" }', [41]],
    ['{ event:name = "cache miss" } || { event.exception.type = "ThrottlingException" }', [1, 41]],
  ])('traces --query %s: the known answer, as --archive gives it', async (query, expected) => {
    const filters = parseCommandLine(['traces', '--dir', dir, '--query', query]).filters;
    await canTraces(100, filters);
    const out = (await athena('traces', '--limit', '100', '--query', query)) as Array<{ traceId: string }>;
    expect(out.map((t) => parseInt(t.traceId, 16)).sort((a, b) => a - b)).toEqual(expected);
    expect(out).toEqual(await json('traces', '--limit', '100', '--query', query, '--archive', archive));
  });

  it('stats and map: one statement for stats, two for the map (its figures, then the traces with failures for their split), as --archive answers', async () => {
    await can((scope) => summaryStatement(scope, ['stats']));
    await can((scope) => summaryStatement(scope, ['map']));
    await can((scope) => spansOfNewestStatement(scope), { query: withError(undefined) });
    expect(await athena('stats')).toEqual(await json('stats', '--archive', archive));
    expect(await athena('map')).toEqual(await json('map', '--archive', archive));
  });

  it('stats --by: the values, then one summary per value, as --archive answers', async () => {
    await can((scope) => valuesStatement(scope, 'tenant'));
    await can((scope) => summaryStatement(scope, ['stats']), { query: withValues(undefined, 'tenant', ['acme']) });
    expect(await athena('stats', '--by', 'tenant')).toEqual(
      await json('stats', '--by', 'tenant', '--archive', archive),
    );
  });

  it("compare <trace>: its root operation's peers, then the two traces, as --archive answers", async () => {
    await can((scope) => sameRootStatement(scope, traceId(12)));
    for (const id of [12, 28]) await can((scope) => spansOfTracesStatement(scope, [traceId(id)]));
    expect(await athena('compare', traceId(12))).toEqual(await json('compare', traceId(12), '--archive', archive));
  });

  it('trace <id>: its rows, then the rows of the trace it links to', async () => {
    await can((scope) => spansOfTracesStatement(scope, [traceId(2)]));
    await can((scope) => spansOfTracesStatement(scope, [traceId(1)]));
    expect(await athena('trace', traceId(2))).toEqual(await json('trace', traceId(2), '--archive', archive));
  });

  it('trace <id> not in the days read: says which days were read and how to read more', async () => {
    const missing = 'f'.repeat(32);
    await can((scope) => spansOfTracesStatement(scope, [missing]));
    const error = await failureOf(athena('trace', missing));
    expect(error.message).toBe(
      `trace ${missing} not found in Athena ${DATABASE}.${TABLE_NAME} (workgroup ${WORKGROUP}) in the last ${TRACE_WINDOW_DAYS} days (a read by id opens only those; --since reads further back)`,
    );
    // Its one statement opened the window's days, not every day kept.
    const firstDay = new Date(Date.now() - (TRACE_WINDOW_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    expect(standIn.parameters.at(-1)).toEqual([`'${missing}'`, `'${firstDay}'`]);
  });

  it('view: every span in scope, then the traces the report holds in full, as --archive reads them', async () => {
    // The traces in full, as the same report on the local table asks for them.
    const asked: string[][] = [];
    const local: ArchiveEngine = {
      description: 'local',
      select: ({ sql, parameters }) => {
        const ids = parameters.filter((p): p is string => typeof p === 'string' && /^[0-9a-f]{32}$/.test(p));
        if (ids.length > 0) asked.push(ids);
        return table.select(sql, parameters);
      },
      close: () => {},
    };
    const expected = await archiveViewData(local, { dialect: 'duckdb', table: 'otel_traces', filters: {} }, 2);
    await can((scope) => spansOfNewestStatement(scope));
    for (const ids of asked) await can((scope) => spansOfTracesStatement(scope, ids));
    const out = join(dir, 'report.html');
    expect(await athena('view', '--limit', '2', '--out', out)).toEqual({ out, traces: 2 });
    expect(expected.traces).toHaveLength(2);
    expect(expected.index?.nodes.length).toBe(expected.map.nodes.length);
  });
});

describe('hoptrace --athena: failures', () => {
  it('a failed query, with its reason', async () => {
    standIn.failNext = {
      state: 'FAILED',
      reason: 'TABLE_NOT_FOUND: line 1:1: Table awsdatacatalog.hoptrace.otel_traces does not exist',
    };
    const error = await failureOf(athena('stats'));
    expect(error.message).toBe(
      `Athena query q-${standIn.executions.size} failed: TABLE_NOT_FOUND: line 1:1: Table awsdatacatalog.hoptrace.otel_traces does not exist`,
    );
  });

  it("a query cancelled at the workgroup's bytes-scanned cap", async () => {
    standIn.failNext = { state: 'CANCELLED', reason: 'Query cancelled! : Bytes scanned limit was exceeded' };
    const error = await failureOf(athena('stats'));
    expect(error.message).toBe(
      `Athena cancelled the query: it would scan more than workgroup "${WORKGROUP}" allows a query (Query cancelled! : Bytes scanned limit was exceeded; 123456 bytes scanned). Read fewer days with --since, or raise the workgroup's bytes-scanned cap`,
    );
  });

  it('a query cancelled by someone', async () => {
    standIn.failNext = { state: 'CANCELLED', reason: 'Query cancelled by user' };
    expect((await failureOf(athena('stats'))).message).toMatch(
      /^Athena query q-\d+ was cancelled: Query cancelled by user$/,
    );
  });

  it('an unknown workgroup: the service refuses the query', async () => {
    const error = await failureOf(
      json('stats', '--athena', '--workgroup', 'nope', '--database', DATABASE, '--endpoint', endpoint),
    );
    expect(error.message).toBe(
      `Athena (workgroup "nope", database "${DATABASE}") refused the query: InvalidRequestException: WorkGroup nope is not found.`,
    );
  });

  it('no credentials', async () => {
    const saved = { ...process.env };
    process.env.AWS_PROFILE = 'hoptrace-no-such-profile';
    process.env.AWS_CONFIG_FILE = join(dir, 'no-config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'no-credentials');
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      expect((await failureOf(athena('stats'))).message).toMatch(
        /^no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
      );
    } finally {
      process.env = saved;
    }
  });

  it('nothing listening at the endpoint', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failureOf(
      json(
        'stats',
        '--athena',
        '--workgroup',
        WORKGROUP,
        '--database',
        DATABASE,
        '--endpoint',
        `http://127.0.0.1:${port}`,
      ),
    );
    expect(error.message).toBe(`cannot reach Athena at http://127.0.0.1:${port}: connection refused`);
  });

  it('--athena without its workgroup and database', async () => {
    expect((await failureOf(json('stats', '--athena', '--workgroup', WORKGROUP))).message).toMatch(
      /^--athena needs --workgroup W and --database D/,
    );
    expect((await failureOf(json('stats', '--archive', archive, '--database', DATABASE))).message).toBe(
      '--workgroup and --database go with --athena',
    );
  });
});
