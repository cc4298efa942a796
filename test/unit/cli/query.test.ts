import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceSummary } from '../../../cli/src/model';
import { holds, type SpanFacts } from '../../../cli/src/query/evaluate';
import { detailFacts } from '../../../cli/src/query/facts';
import { parseQuery, QuerySyntaxError } from '../../../cli/src/query/parse';
import { writeBothWays } from './archive-fixture';
import { failureOf, hoptrace, hoptraceJson as json } from './run-cli';
import { traceId } from './traces';

// The span query language (a TraceQL subset): the parser's errors, the evaluator's rules, and
// the same answers, known in advance, from ingest records, OTLP JSON lines and the archive.

let dir: string;
let records: string;
let lines: string;
let archive: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-query-'));
  records = join(dir, 'records');
  lines = join(dir, 'spans.jsonl');
  archive = join(dir, 'span-table');
  await writeBothWays(records, archive, lines);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

type EventSpec = { name: string; attributes?: Record<string, unknown> };

const span = (
  over: Omit<Partial<SpanFacts>, 'events'> & {
    attributes?: Record<string, unknown>;
    resource?: Record<string, unknown>;
    events?: EventSpec[];
  } = {},
): SpanFacts => {
  const { attributes = {}, resource = {}, events = [], ...facts } = over;
  return {
    name: 'GET /orders',
    service: 'api',
    status: 'unset',
    kind: 'server',
    durationMs: 120,
    attribute: (scope, key) => ((scope === 'span' ? attributes : resource)[key] as never) ?? undefined,
    events: () =>
      events.map((e) => ({ name: e.name, attribute: (key: string) => (e.attributes?.[key] as never) ?? undefined })),
    ...facts,
  };
};

const condition = (text: string) => {
  const query = parseQuery(text);
  if (query.type !== 'spanset') throw new Error('one spanset expected');
  return query.condition;
};

describe('the query parser', () => {
  it.each([
    ['{ name = }', 10, /expected a value/],
    ['{ duration > 5 }', 14, /duration is compared with a duration such as 250ms/],
    ['{ foo = 1 }', 3, /unknown field "foo"/],
    ['{ name = "x" ', 14, /expected "}"/],
    ['{ name =~ "(" }', 11, /not a regular expression/],
    ['{ status > error }', 10, /status takes = or !=/],
    ['{ kind = servr }', 10, /expected a value/],
    ['{ name = "x" } { name = "y" }', 16, /expected && or \|\| between spansets/],
    ['name = "x"', 1, /expected a spanset/],
    ['{ name = "unclosed }', 10, /not closed/],
    ['{ span. = 1 }', 3, /unknown field "span."/],
    ['{ event. = 1 }', 3, /unknown field "event."/],
    [
      '{ name = "x" && event:nam = "exception" }',
      17,
      /unknown event field "event:nam" \(event:name, event.<attribute>\)/,
    ],
    ['{ event:name = exception }', 16, /expected a value/],
    ['{ event:name = 5 }', 16, /event:name is compared with a "quoted string"/],
    [
      '{ event.exception.escaped = error }',
      29,
      /event.exception.escaped is compared with a "quoted string", a number or true\/false/,
    ],
    ['{ event.count > true }', 15, /true and false take = or !=/],
    ['{ event.exception.message =~ "(" }', 30, /not a regular expression/],
  ])('%s: refused at column %i', (text, column, reason) => {
    const error = (() => {
      try {
        parseQuery(text);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(QuerySyntaxError);
    expect((error as QuerySyntaxError).column).toBe(column);
    expect((error as QuerySyntaxError).reason).toMatch(reason);
  });

  it('a query that does not parse exits 2 and points at the column', async () => {
    const error = await failureOf(hoptrace('traces', '--dir', records, '--query', '{ name = }'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      '--query does not parse at column 10: expected a value: a "quoted string", a number, a duration (250ms), true/false, a status or a kind, found "}"\n  { name = }\n           ^',
    );
  });

  it('numbers spansets in text order, and reads nested && || with parentheses', () => {
    expect(parseQuery('({ name = "a" } || { name = "b" }) && {}')).toMatchObject({
      type: 'and',
      left: { type: 'or', left: { type: 'spanset', index: 0 }, right: { type: 'spanset', index: 1 } },
      right: { type: 'spanset', index: 2, condition: { type: 'true' } },
    });
  });
});

describe('the evaluator', () => {
  it('regular expressions match the whole value', () => {
    expect(holds(condition('{ name =~ "GET" }'), span())).toBe(false);
    expect(holds(condition('{ name =~ "GET.*" }'), span())).toBe(true);
    expect(holds(condition('{ name !~ "GET" }'), span())).toBe(true);
  });

  it('durations in every unit, compared in milliseconds', () => {
    expect(holds(condition('{ duration >= 120ms }'), span())).toBe(true);
    expect(holds(condition('{ duration > 0.12s }'), span())).toBe(false);
    expect(holds(condition('{ duration < 120001us }'), span())).toBe(true);
    expect(holds(condition('{ duration < 2m && duration > 119999999ns }'), span())).toBe(true);
  });

  it('attributes: span first, then resource for ".x"; numbers from text too; a missing one satisfies nothing, not even !=', () => {
    const s = span({
      attributes: { 'http.status_code': 503, retry: '2', ok: true },
      resource: { 'cloud.region': 'eu-west-1', 'http.status_code': 200 },
    });
    expect(holds(condition('{ span.http.status_code >= 500 }'), s)).toBe(true);
    expect(holds(condition('{ .http.status_code = 503 }'), s)).toBe(true);
    expect(holds(condition('{ resource.http.status_code = 200 }'), s)).toBe(true);
    expect(holds(condition('{ .cloud.region = "eu-west-1" }'), s)).toBe(true);
    expect(holds(condition('{ span.retry > 1 }'), s)).toBe(true);
    expect(holds(condition('{ span.ok = true && span.ok != false }'), s)).toBe(true);
    expect(holds(condition('{ span.http.status_code = "503" }'), s)).toBe(true);
    expect(holds(condition('{ span.missing != "x" }'), s)).toBe(false);
    expect(holds(condition('{ span.missing = 1 || kind = server }'), s)).toBe(true);
  });

  it("event fields: a comparison holds when one of the span's events satisfies it, each comparison on its own", () => {
    const s = span({
      events: [
        { name: 'exception', attributes: { 'exception.type': 'CardError', 'exception.message': 'card_declined' } },
        { name: 'retry', attributes: { attempt: 2, 'exception.message': 'again' } },
      ],
    });
    expect(holds(condition('{ event.exception.message =~ ".*card_declined.*" }'), s)).toBe(true);
    expect(holds(condition('{ event.exception.message = "card" }'), s)).toBe(false);
    expect(holds(condition('{ event:name = "exception" }'), s)).toBe(true);
    expect(holds(condition('{ event:name =~ "re.*" && event.attempt >= 2 }'), s)).toBe(true);
    // Met by two events: the retry is named "retry", the exception carries the message.
    expect(holds(condition('{ event:name = "retry" && event.exception.message = "card_declined" }'), s)).toBe(true);
    // != and !~ ask for an event that has a different value: the retry's message is one.
    expect(holds(condition('{ event.exception.message != "card_declined" }'), s)).toBe(true);
    expect(holds(condition('{ event:name !~ "exception|retry" }'), s)).toBe(false);
    // An attribute no event has satisfies nothing, and a span without events satisfies no event field.
    expect(holds(condition('{ event.missing != "x" }'), s)).toBe(false);
    expect(holds(condition('{ event:name != "exception" }'), span())).toBe(false);
    expect(holds(condition('{ event:name = "exception" || name = "GET /orders" }'), span())).toBe(true);
    // The span's own attribute is not an event's.
    expect(holds(condition('{ event.flag = true }'), span({ attributes: { flag: true } }))).toBe(false);
  });

  it("the report's search box reads the events of a span held in full", () => {
    const held = detailFacts({
      spanId: 'a'.repeat(16),
      service: 'payments',
      name: 'POST /charge',
      startMs: 0,
      durationMs: 40,
      status: 'error',
      critical: true,
      kind: 'server',
      attributes: { 'exception.message': 'not an event' },
      resource: {},
      events: [{ timeMs: 1, name: 'exception', attributes: { 'exception.message': 'card_declined', code: 402 } }],
      links: [],
    });
    expect(holds(condition('{ event.exception.message =~ ".*card_declined.*" && event.code = 402 }'), held)).toBe(true);
    expect(holds(condition('{ event.exception.message = "not an event" }'), held)).toBe(false);
  });

  it('a query without an event field reads no events', () => {
    const unread: SpanFacts = {
      ...span(),
      events: () => {
        throw new Error('events read');
      },
    };
    expect(holds(condition('{ name = "GET /orders" && span.x != 1 || kind = server }'), unread)).toBe(true);
    expect(() => holds(condition('{ event:name = "exception" }'), unread)).toThrow('events read');
  });

  it('status and kind keywords', () => {
    expect(holds(condition('{ status = error }'), span({ status: 'error' }))).toBe(true);
    expect(holds(condition('{ status != ok && kind != client }'), span())).toBe(true);
  });
});

type Sources = [string, string];
const SOURCES: Sources[] = [
  ['ingest records', '--dir'],
  ['OTLP JSON lines', '--file'],
  ['the archive (DuckDB)', '--archive'],
];
const where = (flag: string): string => (flag === '--dir' ? records : flag === '--file' ? lines : archive);
const ids = (out: unknown): number[] =>
  (out as TraceSummary[]).map((t) => parseInt(t.traceId, 16)).sort((a, b) => a - b);
const gets = Array.from({ length: 23 }, (_, i) => 10 + i);

describe.each(SOURCES)('--query on %s', (_name, flag) => {
  const traces = async (...argv: string[]): Promise<number[]> =>
    ids(await json('traces', '--limit', '1000', flag, where(flag), ...argv));

  it.each([
    ['{ resource.service.name = "inventory" && status = error }', [1]],
    // One span must satisfy a whole spanset; separate spansets may be met by different spans.
    ['{ resource.service.name = "inventory" && name = "query" && duration >= 38ms }', []],
    ['{ resource.service.name = "inventory" } && { name = "query" } && { duration >= 38ms }', [1]],
    ['{ span.http.status_code >= 200 && span.http.status_code < 300 }', [1]],
    ['{ .tenant = "acme" }', [2]],
    ['{ resource.tenant = "acme" }', []],
    ['{ name =~ "GET /.*" && kind = server }', [1, ...gets]],
    ['{ kind = consumer } || { duration > 800ms }', [1, 2, 40]],
    // Trace 40's provisional copy failed; its real end did not: the real one counts.
    ['{ status = error && name !~ "GET.*" }', [1, 41]],
    ['{ resource.service.name = "worker" } && { resource.service.name = "api" }', [1]],
    ['{ .faas.invocation_id = "inv-true" && resource.service.name != "api" }', [1]],
    ['{ }', [1, 2, ...gets, 40, 41]],
    ['{ span.http.response.status_code = 429 && status = error }', [41]],
    // Trace 41's charge failed with an exception event; POST /orders (trace 1) has a "cache miss" event.
    ['{ event.exception.message =~ ".*Rate.*" }', [41]],
    ['{ event:name = "exception" && event.exception.type = "ThrottlingException" && status = error }', [41]],
    ['{ event:name = "cache miss" && event.key = "sku-1" && name = "POST /orders" }', [1]],
    ['{ event:name != "exception" }', [1]],
    ['{ event:name = "exception" } || { event.key = "sku-1" }', [1, 41]],
    ['{ event:name = "exception" } && { event:name = "cache miss" }', []],
    ['{ event.exception.message = "Rate exceeded" && resource.service.name != "payments" }', []],
  ])('%s', async (query, expected) => {
    expect(await traces('--query', query)).toEqual(expected);
  });

  it('the old flags are one spanset: --service inventory --name query --min-duration 38ms asks for one span', async () => {
    expect(await traces('--service', 'inventory', '--name', 'query', '--min-duration', '38ms')).toEqual([]);
    expect(await traces('--service', 'inventory', '--name', 'query', '--min-duration', '32ms')).toEqual([1]);
    expect(await traces('--service', 'api', '--errors', '--query', '{ name = "GET /x" }')).toEqual([
      10, 15, 20, 25, 30,
    ]);
  });

  it('stats and map count the traces the query selects', async () => {
    const stats = (await json('stats', flag, where(flag), '--query', '{ kind = consumer }')) as {
      traces: { count: number };
    };
    expect(stats.traces.count).toBe(2);
  });
});

describe('--query: the same answers from every source', () => {
  it.each(['stats', 'map'])('%s', async (command) => {
    const answers = await Promise.all(
      SOURCES.map(([, flag]) =>
        json(command, flag, where(flag), '--query', '{ duration > 30ms } && { .faas.coldstart = true }'),
      ),
    );
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('trace <id> on the archive applies the query in process to the trace read alone', async () => {
    expect(
      (await json('trace', traceId(1), '--archive', archive, '--query', '{ status = error }')) as { traceId: string },
    ).toMatchObject({ traceId: traceId(1) });
    const error = await failureOf(hoptrace('trace', traceId(2), '--archive', archive, '--query', '{ status = error }'));
    expect(error.message).toMatch(/not found .* among the traces that pass the filters/);
  });
});
