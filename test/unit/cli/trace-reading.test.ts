import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { breakdownOf } from '../../../cli/src/analysis/breakdown';
import { insightsUrl, logsQueries } from '../../../cli/src/analysis/logs-link';
import type { TraceDetail, TraceSpan } from '../../../cli/src/model';
import { writeBothWays } from './archive-fixture';
import { canaryTrace, writeCanary } from './canary-fixture';
import { failureOf, hoptrace, hoptraceJson as json } from './run-cli';
import { spanId, traceId } from './traces';

// `trace <id>`: the breakdown per service and operation, --critical / --errors / --depth, and
// the Logs Insights links, against known answers; on files and on the archive alike.

let dir: string;
let records: string;
let table: string;
let canaryRecords: string;
let canaryTable: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-trace-reading-'));
  records = join(dir, 'records');
  table = join(dir, 'table');
  await writeBothWays(records, table);
  canaryRecords = join(dir, 'canary');
  canaryTable = join(dir, 'canary-table');
  await writeCanary(canaryRecords, canaryTable);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Reading = TraceDetail & {
  hiddenSpans: number;
  breakdown: ReturnType<typeof breakdownOf>;
  logs: ReturnType<typeof logsQueries>;
};

const span = (id: number, startMs: number, durationMs: number, extra: Partial<TraceSpan> = {}): TraceSpan => ({
  spanId: spanId(id),
  service: 'api',
  name: `op-${id}`,
  startMs,
  durationMs,
  status: 'unset',
  critical: false,
  kind: 'internal',
  attributes: {},
  resource: {},
  events: [],
  links: [],
  ...extra,
});

describe('breakdown: count, total and self time per service and operation', () => {
  it("self is a span's time less the union of its children's inside it", () => {
    const detail = {
      spans: [
        span(1, 0, 100, { name: 'root' }),
        // Two children overlapping each other (10-40 and 30-50: 40 ms covered), one running past the parent's end (90-120: 10 ms inside).
        span(2, 10, 30, { parentSpanId: spanId(1), name: 'call' }),
        span(3, 30, 20, { parentSpanId: spanId(1), name: 'call' }),
        span(4, 90, 30, { parentSpanId: spanId(1), service: 'worker', name: 'late' }),
        span(5, 12, 5, { parentSpanId: spanId(2), name: 'inner' }),
      ],
    };
    expect(breakdownOf(detail)).toEqual([
      { service: 'api', name: 'root', count: 1, totalMs: 100, selfMs: 50 },
      { service: 'api', name: 'call', count: 2, totalMs: 50, selfMs: 45 },
      { service: 'worker', name: 'late', count: 1, totalMs: 30, selfMs: 30 },
      { service: 'api', name: 'inner', count: 1, totalMs: 5, selfMs: 5 },
    ]);
  });

  it('in trace <id> --json, the same on the archive as on files', async () => {
    const files = (await json('trace', traceId(1), '--dir', records)) as Reading;
    const archive = (await json('trace', traceId(1), '--archive', table)) as Reading;
    expect(archive.breakdown).toEqual(files.breakdown);
    // POST /orders 100.25 ms, its children GET stock (5-45) and send (50-55) inside it.
    expect(files.breakdown.find((r) => r.name === 'POST /orders')).toEqual({
      service: 'api',
      name: 'POST /orders',
      count: 1,
      totalMs: 100.25,
      selfMs: 55.25,
    });
    expect(files.breakdown.find((r) => r.name === 'GET /stock')).toEqual({
      service: 'inventory',
      name: 'GET /stock',
      count: 1,
      totalMs: 38.5,
      selfMs: 6.5,
    });
  });
});

describe('trace <id> --critical, --errors, --depth', () => {
  const names = (reading: Reading): string[] => reading.spans.map((s) => s.name);

  it('--critical: the critical path and the spans above it', async () => {
    const reading = (await json('trace', traceId(1), '--critical', '--dir', records)) as Reading;
    const whole = (await json('trace', traceId(1), '--dir', records)) as Reading;
    expect(names(reading)).toEqual(whole.spans.filter((s) => s.critical).map((s) => s.name));
    expect(names(reading)).toEqual([
      'init',
      'POST /orders',
      'GET stock',
      'GET /stock',
      'query',
      'send',
      'process order',
    ]);
    expect(reading.hiddenSpans).toBe(1);
    // The breakdown stays the whole trace's.
    expect(reading.breakdown).toEqual(whole.breakdown);
  });

  it('--errors: the failed spans and their ancestors', async () => {
    const reading = (await json('trace', traceId(1), '--errors', '--archive', table)) as Reading;
    expect(names(reading)).toEqual(['POST /orders', 'GET stock', 'GET /stock', 'query']);
    expect(reading.hiddenSpans).toBe(4);
  });

  it('--depth N: the top N levels, each span on the last level saying how many it hides', async () => {
    const reading = (await json('trace', traceId(1), '--depth', '2', '--dir', records)) as Reading;
    expect(reading.spans.map((s) => [s.name, s.hiddenBelow])).toEqual([
      ['init', undefined],
      ['POST /orders', undefined],
      ['GET stock', 2],
      ['send', 2],
    ]);
    expect(reading.hiddenSpans).toBe(4);
    const { out } = await hoptrace('trace', traceId(1), '--depth', '2', '--dir', records);
    expect(out).toContain('… 2 span(s) hidden below (--depth)');
    expect(out).toContain('(4 span(s) not shown: --critical, --errors and --depth narrow the waterfall');
  });

  it('they combine, each narrowing what the one before kept', async () => {
    const reading = (await json('trace', traceId(1), '--errors', '--depth', '3', '--dir', records)) as Reading;
    expect(reading.spans.map((s) => [s.name, s.hiddenBelow])).toEqual([
      ['POST /orders', undefined],
      ['GET stock', undefined],
      ['GET /stock', 1],
    ]);
  });

  it('an orphan stays under its heading', async () => {
    const reading = (await json('trace', traceId(2), '--depth', '1', '--dir', records)) as Reading;
    expect(reading.orphans).toEqual([spanId(21)]);
    expect(names(reading)).toEqual(['batch', 'send mail']);
  });

  it.each([['0'], ['abc'], ['1.5'], ['-1']])('--depth %s exits 2', async (depth) => {
    const error = await failureOf(hoptrace('trace', traceId(1), `--depth=${depth}`, '--dir', records));
    expect(error.message).toBe(`--depth ${depth}: expected a whole number of levels, at least 1`);
    expect(error.exitCode).toBe(2);
  });

  it('--critical and --depth on another command exit 2', async () => {
    for (const argv of [
      ['stats', '--critical'],
      ['traces', '--depth', '2'],
    ]) {
      const error = await failureOf(hoptrace(...argv, '--dir', records));
      expect(error.message).toBe('--critical and --depth go with trace <id>');
      expect(error.exitCode).toBe(2);
    }
  });
});

describe('Logs Insights links', () => {
  it('the console URL in its query-detail notation, escaped twice', () => {
    expect(
      insightsUrl(
        'eu-west-1',
        ['/aws/lambda/api'],
        'fields @message',
        '2026-01-01T00:00:00.000Z',
        '2026-01-01T00:10:00.000Z',
      ),
    ).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:logs-insights$3FqueryDetail$3D' +
        '$257E$2528end$257E$25272026-01-01T00*3A10*3A00.000Z$257Estart$257E$25272026-01-01T00*3A00*3A00.000Z' +
        '$257EtimeType$257E$2527ABSOLUTE$257Etz$257E$2527UTC$257EeditorString$257E$2527fields*20*40message' +
        '$257Esource$257E$2528$257E$2527*2Faws*2Flambda*2Fapi$2529$2529',
    );
    // The marks the notation uses as structure are escaped inside values too.
    expect(insightsUrl('us-east-1', ["g'(~)"], "a'b", 'x', 'y')).toContain('$2527a*27b$257E');
  });

  it('per region over the functions crossed, and per invocation; the log group from aws.log.group.names when the span says', () => {
    const detail: TraceDetail = {
      traceId: traceId(7),
      durationMs: 200,
      startTime: '2026-12-01T10:00:00.000Z',
      orphans: [],
      spans: [
        span(1, 0, 200, {
          attributes: { 'faas.invocation_id': 'req-1', 'faas.name': 'api' },
          resource: { 'cloud.region': 'eu-west-1' },
        }),
        span(2, 10, 50, { parentSpanId: spanId(1), resource: { 'faas.name': 'api', 'cloud.region': 'eu-west-1' } }),
        span(3, 20, 100, {
          parentSpanId: spanId(2),
          service: 'inventory',
          attributes: { 'faas.invocation_id': 'req-2', 'cloud.region': 'eu-west-1' },
          resource: { 'aws.log.group.names': ['/custom/inventory'] },
        }),
        span(4, 30, 10, { parentSpanId: spanId(3), service: 'mailer', attributes: { 'faas.name': 'mailer' } }),
        span(5, 40, 10, { parentSpanId: spanId(3), service: 'db' }),
      ],
    };
    const logs = logsQueries(detail);
    expect(logs.map((q) => [q.scope, q.region, q.logGroups, q.invocationId, q.start, q.end, q.url === null])).toEqual([
      [
        'trace',
        'eu-west-1',
        ['/aws/lambda/api', '/custom/inventory'],
        undefined,
        '2026-12-01T09:59:00.000Z',
        '2026-12-01T10:05:01.000Z',
        false,
      ],
      ['trace', null, ['/aws/lambda/mailer'], undefined, '2026-12-01T09:59:00.000Z', '2026-12-01T10:05:01.000Z', true],
      [
        'invocation',
        'eu-west-1',
        ['/aws/lambda/api'],
        'req-1',
        '2026-12-01T09:59:00.000Z',
        '2026-12-01T10:05:01.000Z',
        false,
      ],
      [
        'invocation',
        'eu-west-1',
        ['/custom/inventory'],
        'req-2',
        '2026-12-01T09:59:00.000Z',
        '2026-12-01T10:05:01.000Z',
        false,
      ],
    ]);
    expect(logs[0]!.query).toBe(
      `fields @timestamp, @log, @message\n| filter @message like "${traceId(7)}"\n| sort @timestamp asc`,
    );
    expect(logs[2]!.query).toBe(
      'fields @timestamp, @log, @message\n| filter @requestId = "req-1"\n| sort @timestamp asc',
    );
    expect(logs[2]!.spanId).toBe(spanId(1));
  });

  it('in trace <id>, from the spans read, on the archive (which keeps list attributes as JSON text) as on files', async () => {
    const id = traceId(canaryTrace(2, 0));
    const files = (await json('trace', id, '--dir', canaryRecords)) as Reading;
    expect(await json('trace', id, '--archive', canaryTable)).toMatchObject({ logs: files.logs });
    expect(files.logs.map((q) => [q.scope, q.region, q.logGroups, q.invocationId ?? null])).toEqual([
      ['trace', 'eu-west-1', ['/custom/api-canary'], null],
      ['invocation', 'eu-west-1', ['/custom/api-canary'], `req-${canaryTrace(2, 0)}`],
    ]);
    const { out } = await hoptrace('trace', id, '--dir', canaryRecords);
    expect(out).toContain(
      `  invocation req-${canaryTrace(2, 0)} (span ${spanId(1)}) in /custom/api-canary (eu-west-1), `,
    );
    expect(out).toContain(`    ${files.logs[1]!.url}`);
  });

  it('spans that name no function: nothing to link to, and the text says so', async () => {
    expect(((await json('trace', traceId(1), '--dir', records)) as Reading).logs).toEqual([]);
    expect((await hoptrace('trace', traceId(1), '--dir', records)).out).toContain(
      '(no span names a function: no faas.name or aws.log.group.names)',
    );
  });
});
