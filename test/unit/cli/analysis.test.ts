import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../cli/src/args';
import { analyze } from '../../../cli/src/analyze';
import { nearestRank, sortedCopy } from '../../../cli/src/analysis/percentiles';
import { memorySource, record, spanId, traceId, type Spec } from './traces';

const NO_FAILURES = { throttle: 0, '4xx': 0, '5xx': 0 };

const PRODUCER = 4;
const CONSUMER = 5;
const CLIENT = 3;
const SERVER = 2;

async function detail(specs: Spec[]) {
  const analysis = await analyze(memorySource([record(specs)]), { detail: () => true });
  return analysis.details.get(traceId(1))!;
}

async function criticalIds(specs: Spec[]): Promise<number[]> {
  const trace = await detail(specs);
  return trace.spans
    .filter((s) => s.critical)
    .map((s) => parseInt(s.spanId, 16))
    .sort((a, b) => a - b);
}

describe('critical path (Jaeger walk)', () => {
  it('a parent waiting on two overlapping children: the later-finishing child is on the path, the other is not', async () => {
    // P [0,100] waits on A [10,60] and B [40,90]; C [0,5] ran before both.
    // Back from P's end: B owns 40..90, A ends after B starts so it sets nothing, C owns 0..5.
    const specs: Spec[] = [
      { id: 1, start: 0, end: 100 },
      { id: 2, parent: 1, start: 10, end: 60 },
      { id: 3, parent: 1, start: 40, end: 90 },
      { id: 4, parent: 1, start: 0, end: 5 },
    ];
    expect(await criticalIds(specs)).toEqual([1, 3, 4]);
  });

  it("sequential children and the parent's own gap between them are on the path; a child inside a later-ending sibling is not", async () => {
    const specs: Spec[] = [
      { id: 1, start: 0, end: 100 },
      { id: 2, parent: 1, start: 0, end: 29 },
      { id: 3, parent: 1, start: 5, end: 20 },
      { id: 4, parent: 1, start: 30, end: 100 },
    ];
    expect(await criticalIds(specs)).toEqual([1, 2, 4]);
  });

  it('keeps a call that ends in the same millisecond as the next one starts (a strict < would drop it)', async () => {
    // P [0,1000] calls A [0,900] then B [900,1000], as millisecond clocks record them; Z [950,950] takes no time.
    // P has no time of its own left: A and B are the path.
    const specs: Spec[] = [
      { id: 1, start: 0, end: 1000 },
      { id: 2, parent: 1, start: 0, end: 900 },
      { id: 3, parent: 1, start: 900, end: 1000 },
      { id: 4, parent: 3, start: 950, end: 950 },
    ];
    expect(await criticalIds(specs)).toEqual([2, 3]);
  });

  it('clips a synchronous child that overruns its parent (clock skew) and leaves out one entirely outside it', async () => {
    const specs: Spec[] = [
      { id: 1, start: 0, end: 100 },
      { id: 2, parent: 1, start: 50, end: 120 },
      { id: 3, parent: 1, start: 110, end: 130 },
    ];
    expect(await criticalIds(specs)).toEqual([1, 2]);
  });

  it('follows an asynchronous hop: the consumer that ends last sets the end, the producer and what led to it are on the path', async () => {
    // R [0,50] sends at P [10,20]; the consumer C [30,80] (with D inside) ends last.
    // S [25,45] is R's own later work: it does not set the end-to-end time.
    const specs: Spec[] = [
      { id: 1, start: 0, end: 50, kind: SERVER },
      { id: 2, parent: 1, start: 10, end: 20, kind: PRODUCER },
      { id: 3, parent: 2, service: 'worker', start: 30, end: 80, kind: CONSUMER },
      { id: 4, parent: 3, service: 'worker', start: 40, end: 70 },
      { id: 5, parent: 1, start: 25, end: 45 },
    ];
    const trace = await detail(specs);
    expect(trace.durationMs).toBe(80);
    expect(await criticalIds(specs)).toEqual([1, 2, 3, 4]);
    expect(trace.spans.find((s) => s.spanId === spanId(3))!.async).toBe(true);
    expect(trace.spans.find((s) => s.spanId === spanId(5))!.async).toBeUndefined();
  });

  it("puts a cold start's init on the path when it runs before its invocation, as X-Ray draws it inside", async () => {
    // The wrapper's init I [0,300] is a child of the invocation R [300,500], which calls A [320,480].
    // The cold request took 500 ms: the init is part of what the caller waited for.
    const init = [{ key: 'hoptrace.init_type', value: { stringValue: 'on-demand' } }];
    const specs: Spec[] = [
      { id: 1, start: 300, end: 500, kind: SERVER },
      { id: 2, parent: 1, name: 'init', start: 0, end: 300, attributes: init },
      { id: 3, parent: 1, start: 320, end: 480 },
    ];
    expect(await criticalIds(specs)).toEqual([1, 2, 3]);
    // Inside the invocation it is an ordinary child: on the path when nothing later covers it.
    expect(
      await criticalIds([
        { id: 1, start: 0, end: 500, kind: SERVER },
        { id: 2, parent: 1, name: 'init', start: 10, end: 300, attributes: init },
        { id: 3, parent: 1, start: 320, end: 480 },
      ]),
    ).toEqual([1, 2, 3]);
  });

  it('lists orphans apart, computes their own path, and keeps the contract fields', async () => {
    const trace = await detail([
      { id: 1, start: 0, end: 10, kind: SERVER },
      { id: 2, parent: 1, start: 2, end: 8, error: 'boom' },
      { id: 3, parent: 9, service: 'late', start: 20, end: 30 },
    ]);
    expect(trace.orphans).toEqual([spanId(3)]);
    expect(trace.spans.map((s) => s.spanId)).toEqual([spanId(1), spanId(2), spanId(3)]);
    expect(trace.spans[1]).toMatchObject({
      spanId: spanId(2),
      parentSpanId: spanId(1),
      service: 'api',
      startMs: 2,
      durationMs: 6,
      status: 'error',
      critical: true,
      statusMessage: 'boom',
    });
    expect(trace.spans[2]).toMatchObject({ startMs: 20, critical: true });
  });
});

describe('percentiles (nearest rank)', () => {
  it('picks the smallest value with at least p% at or below it', () => {
    const sorted = sortedCopy([50, 15, 35, 20, 40]);
    expect([30, 40, 50, 100].map((p) => nearestRank(sorted, p))).toEqual([20, 20, 35, 50]);
    const hundred = sortedCopy(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect([50, 95, 99].map((p) => nearestRank(hundred, p))).toEqual([50, 95, 99]);
    expect(nearestRank(sortedCopy([]), 50)).toBe(0);
    // Numeric order, not string order (10 after 9).
    expect(nearestRank(sortedCopy([10, 9, 8]), 100)).toBe(10);
  });

  it('is the one formula: the benchmarks take their percentiles from it too', () => {
    const bench = new URL('../../../bench/', import.meta.url);
    const modules = readdirSync(bench, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(ts|cjs)$/.test(f))
      .map((f) => [f, readFileSync(new URL(f, bench), 'utf8')] as const);
    const ownFormula = /percentile = |function percentile|Math\.floor\([^)]*\* ?p\)/;
    expect(modules.filter(([, text]) => ownFormula.test(text)).map(([f]) => f)).toEqual([]);
    const reporting = modules.filter(([, text]) => /P9\dMs:/.test(text));
    expect(reporting.length).toBeGreaterThan(0);
    const shared = "from '../cli/src/analysis/percentiles'";
    expect(reporting.filter(([, text]) => !text.includes(shared)).map(([f]) => f)).toEqual([]);
  });

  it('stats: per operation count, errors, p50/p95/p99; per function invocations, cold starts and init', async () => {
    const records = Array.from({ length: 20 }, (_, i) =>
      record([
        {
          trace: i + 1,
          id: 1,
          name: 'handler',
          start: 0,
          end: i + 1,
          kind: SERVER,
          ...(i % 5 === 0 ? { error: 'bad' } : {}),
          attributes: [{ key: 'faas.coldstart', value: { boolValue: i < 2 } }],
        },
        ...(i < 2
          ? [
              {
                trace: i + 1,
                id: 2,
                parent: 1,
                name: 'init',
                start: 0,
                end: 100 * (i + 1),
                attributes: [{ key: 'hoptrace.init_type', value: { stringValue: 'on-demand' } }],
              },
            ]
          : []),
      ]),
    );
    const { stats } = await analyze(memorySource(records));
    expect(stats.operations.find((o) => o.name === 'handler')).toEqual({
      service: 'api',
      name: 'handler',
      count: 20,
      errors: 4,
      p50Ms: 10,
      p95Ms: 19,
      p99Ms: 20,
      // 1..20 ms in the 1-2-5 buckets: each bound holds the durations up to it.
      histogram: [
        { leMs: 1, count: 1 },
        { leMs: 2, count: 1 },
        { leMs: 5, count: 3 },
        { leMs: 10, count: 5 },
        { leMs: 20, count: 10 },
      ],
      // Trace i + 1 takes i + 1 ms; every failure (i % 5 = 0) starts at 0, so ties go to the lower trace id.
      slowestTraceIds: [traceId(20), traceId(19), traceId(18)],
      failedTraceIds: [traceId(1), traceId(6), traceId(11)],
    });
    expect(stats.functions).toEqual([
      {
        service: 'api',
        invocations: 20,
        coldStarts: 2,
        initP50Ms: 100,
        initP95Ms: 200,
        coldStartTraceIds: [traceId(1), traceId(2)],
      },
    ]);
    expect(stats.traces).toMatchObject({ count: 20, withOrphans: 0 });
  });
});

describe('stats: example traces', () => {
  it('each trace once, by its slowest span of the operation; failures and cold starts newest first', async () => {
    const cold = [{ key: 'faas.coldstart', value: { boolValue: true } }];
    const records = [
      // Trace 1 calls `get` twice: its slower call (50 ms) ranks it, and it is listed once.
      record([
        { trace: 1, id: 1, name: 'get', start: 0, end: 1 },
        { trace: 1, id: 2, name: 'get', start: 2, end: 52, error: 'x' },
      ]),
      record([{ trace: 2, id: 1, name: 'get', start: 10, end: 40, error: 'x', attributes: cold }]),
      record([{ trace: 3, id: 1, name: 'get', start: 20, end: 60, attributes: cold }]),
      record([{ trace: 4, id: 1, name: 'get', start: 30, end: 35, error: 'x', attributes: cold }]),
      record([{ trace: 5, id: 1, name: 'get', start: 40, end: 42, error: 'x' }]),
    ];
    const { stats } = await analyze(memorySource(records));
    expect(stats.operations[0]).toMatchObject({
      slowestTraceIds: [traceId(1), traceId(3), traceId(2)],
      failedTraceIds: [traceId(5), traceId(4), traceId(2)],
    });
    expect(stats.functions[0]!.coldStartTraceIds).toEqual([traceId(4), traceId(3), traceId(2)]);
  });
});

describe('service map', () => {
  it('sync edges from a parent in one service to its child in another; async from producer to consumer and from batch links', async () => {
    const records = [
      record([
        { id: 1, service: 'api', start: 0, end: 100, kind: SERVER },
        { id: 2, parent: 1, service: 'api', start: 10, end: 50, kind: CLIENT },
        { id: 3, parent: 2, service: 'inventory', start: 12, end: 40, kind: SERVER, error: 'no stock' },
        { id: 4, parent: 1, service: 'api', start: 60, end: 70, kind: PRODUCER },
        { id: 5, parent: 4, service: 'fulfilment', start: 80, end: 95, kind: CONSUMER },
        // The per-record span of the same delivery: one call, not two.
        { id: 6, parent: 4, service: 'fulfilment', start: 81, end: 94, kind: CONSUMER, links: [{ trace: 1, id: 5 }] },
      ]),
      record([{ trace: 1, id: 2, service: 'api', start: 10, end: 50, kind: CLIENT, parent: 1 }]),
      // A batch consumer in its own trace, linking to the producer span above.
      record([
        { trace: 2, id: 10, service: 'notifier', start: 200, end: 230, kind: CONSUMER, links: [{ trace: 1, id: 4 }] },
      ]),
    ];
    const { map, counts } = await analyze(memorySource(records));
    expect(counts.duplicates).toBe(1);
    expect(map.edges).toEqual([
      { from: 'api', to: 'fulfilment', kind: 'async', count: 1, errors: 0, failures: NO_FAILURES, p95Ms: 15 },
      { from: 'api', to: 'inventory', kind: 'sync', count: 1, errors: 1, failures: NO_FAILURES, p95Ms: 28 },
      { from: 'api', to: 'notifier', kind: 'async', count: 1, errors: 0, failures: NO_FAILURES, p95Ms: 30 },
    ]);
    expect(map.nodes).toEqual([
      { service: 'api', name: 'api', kind: 'service', count: 1, errors: 0, failures: NO_FAILURES, p95Ms: 100 },
      {
        service: 'fulfilment',
        name: 'fulfilment',
        kind: 'service',
        count: 1,
        errors: 0,
        failures: NO_FAILURES,
        p95Ms: 15,
      },
      {
        service: 'inventory',
        name: 'inventory',
        kind: 'service',
        count: 1,
        errors: 1,
        failures: NO_FAILURES,
        p95Ms: 28,
      },
      { service: 'notifier', name: 'notifier', kind: 'service', count: 1, errors: 0, failures: NO_FAILURES, p95Ms: 30 },
    ]);
  });
});

describe('map: a batch handled with traceRecord', () => {
  it('counts each message once: the batch links to its producer and the record span hangs under it', async () => {
    // Two messages from two api requests; one worker invocation handles both, a traceRecord span per message.
    const send = (trace: number): Spec[] => [
      { trace, id: 1, name: 'POST /orders', start: 0, end: 50, kind: SERVER },
      { trace, id: 2, parent: 1, name: 'SQS SendMessage', start: 10, end: 20, kind: PRODUCER },
      { trace, id: 3, parent: 2, service: 'worker', name: 'orders process', start: 100, end: 130, kind: CONSUMER },
    ];
    const batch: Spec = {
      trace: 9,
      id: 90,
      service: 'worker',
      name: 'batch',
      start: 95,
      end: 140,
      kind: CONSUMER,
      links: [
        { trace: 1, id: 2 },
        { trace: 2, id: 2 },
      ],
    };
    const { map } = await analyze(memorySource([record(send(1)), record(send(2)), record([batch])]));
    expect(map.edges).toEqual([
      { from: 'api', to: 'worker', kind: 'async', count: 2, errors: 0, failures: NO_FAILURES, p95Ms: 30 },
    ]);
  });
});

describe('traces', () => {
  const records = [
    record([
      {
        trace: 1,
        id: 1,
        name: 'GET /a',
        start: 0,
        end: 300,
        kind: SERVER,
        attributes: [{ key: 'faas.coldstart', value: { boolValue: true } }],
      },
      { trace: 1, id: 2, parent: 1, service: 'db', name: 'query', start: 10, end: 20, error: 'timeout' },
    ]),
    record([
      {
        trace: 2,
        id: 1,
        name: 'GET /b',
        start: 1000,
        end: 1100,
        kind: SERVER,
        attributes: [{ key: 'tenant', value: { stringValue: 'acme' } }],
      },
    ]),
    record([
      { trace: 3, id: 1, name: 'GET /c', start: 500, end: 520, kind: SERVER },
      { trace: 3, id: 2, parent: 7, name: 'orphan', start: 505, end: 510 },
    ]),
  ];

  it('lists every trace newest first, with the contract fields', async () => {
    const { traces, stats } = await analyze(memorySource(records));
    expect(traces.map((t) => t.traceId)).toEqual([traceId(2), traceId(3), traceId(1)]);
    expect(traces[2]).toEqual({
      traceId: traceId(1),
      rootName: 'GET /a',
      services: ['api', 'db'],
      spanCount: 2,
      durationMs: 300,
      errorCount: 1,
      coldStarts: 1,
      startTime: '2023-11-14T22:13:20.000Z',
      rootDurationMs: 300,
      rootMissing: false,
      error: { service: 'db', name: 'query', message: 'timeout', type: null, httpStatus: null },
    });
    expect(stats.traces).toMatchObject({ count: 3, withOrphans: 1 });
  });

  it('filters by service, name, minimum duration, errors, cold starts and attribute', async () => {
    const ids = async (...flags: string[]) =>
      (
        await analyze(memorySource(records), { filters: parseCommandLine(['traces', '--dir', '.', ...flags]).filters })
      ).traces.map((t) => parseInt(t.traceId, 16));
    expect(await ids('--service', 'db')).toEqual([1]);
    expect(await ids('--name', 'orph')).toEqual([3]);
    expect(await ids('--min-duration', '100ms')).toEqual([2, 1]);
    expect(await ids('--errors')).toEqual([1]);
    expect(await ids('--cold')).toEqual([1]);
    expect(await ids('--attr', 'tenant=acme')).toEqual([2]);
    expect(await ids('--attr', 'tenant=other')).toEqual([]);
  });

  it('drops spans delivered twice, in whichever records they come', async () => {
    const again = [
      ...records,
      records[0]!,
      record([{ trace: 3, id: 1, name: 'GET /c', start: 500, end: 520, kind: SERVER }]),
    ];
    const { traces, counts } = await analyze(memorySource(again));
    expect(traces.map((t) => t.spanCount)).toEqual([1, 2, 2]);
    expect(counts).toMatchObject({ spans: 5, duplicates: 3 });
  });
});
