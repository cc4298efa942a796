import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { AdaptiveSampler, rootOf } from '../../../../handlers/tail-sampler/adaptive-sampler';
import { readConsumerConfig } from '../../../../handlers/tail-sampler/config';
import { consumeBatch } from '../../../../handlers/tail-sampler/consume';
import type { DecisionStore } from '../../../../handlers/tail-sampler/decision-store';
import { inSampledFraction } from '../../../../handlers/tail-sampler/policy';
import {
  bucketOf,
  burnRate,
  MIN_PROBABILITY,
  nextPlan,
  nextProbability,
  operationKey,
  p99Of,
  type AdaptiveSettings,
  type OperationCounts,
  type Plan,
} from '../../../../handlers/tail-sampler/sampling-plan';
import type { SamplingState } from '../../../../handlers/tail-sampler/sampling-state';
import type { OtlpExportRequest } from '../../../../src/otlp/types';

const BASE = { HOPTRACE_FORWARD_ENDPOINT: 'http://127.0.0.1:4318/v1/traces', HOPTRACE_DECISION_TABLE: 'decisions' };
const SETTINGS: AdaptiveSettings = {
  targetPerSecond: 1,
  targets: {},
  intervalMs: 60_000,
  initialProbability: 0.1,
  minTraces: 10,
  keepOverP99: true,
  objective: 0.999,
  boostBurn: 14.4,
  boostMs: 600_000,
};
const KEY = operationKey('orders', 'GET /orders');
const counts = (fields: Partial<OperationCounts>): OperationCounts => ({
  traces: 0,
  errors: 0,
  routine: 0,
  sampled: 0,
  durations: {},
  ...fields,
});

describe('adaptive sampling configuration', () => {
  it('is off unless a target is set, and reads every setting when it is', () => {
    expect(readConsumerConfig(BASE).policies.adaptive).toBeUndefined();
    expect(readConsumerConfig({ ...BASE, HOPTRACE_TAIL_TARGET_PER_S: '1' }).policies.adaptive).toEqual(SETTINGS);
    const config = readConsumerConfig({
      ...BASE,
      HOPTRACE_SAMPLE_RATIO: '0.5',
      HOPTRACE_TAIL_TARGET_PER_S: '2.5',
      HOPTRACE_TAIL_TARGETS: '{"orders":{"GET /orders":10}}',
      HOPTRACE_TAIL_INTERVAL_S: '30',
      HOPTRACE_TAIL_MIN_TRACES: '0',
      HOPTRACE_TAIL_KEEP_OVER_P99: 'false',
      HOPTRACE_TAIL_OBJECTIVE: '0.99',
      HOPTRACE_TAIL_BOOST_BURN: '6',
      HOPTRACE_TAIL_BOOST_S: '120',
    });
    expect(config.policies.adaptive).toEqual({
      targetPerSecond: 2.5,
      targets: { orders: { 'GET /orders': 10 } },
      intervalMs: 30_000,
      initialProbability: 0.5,
      minTraces: 0,
      keepOverP99: false,
      objective: 0.99,
      boostBurn: 6,
      boostMs: 120_000,
    });
  });

  it.each([
    [
      { HOPTRACE_TAIL_TARGET_PER_S: '0' },
      'HOPTRACE_TAIL_TARGET_PER_S="0" must be a positive number of traces per second',
    ],
    [{ HOPTRACE_TAIL_TARGETS: '{orders' }, 'HOPTRACE_TAIL_TARGETS="{orders" must be a JSON object of services'],
    [{ HOPTRACE_TAIL_TARGETS: '{orders' }, 'e.g. {"orders":{"POST /orders":5}} (this is not JSON)'],
    [{ HOPTRACE_TAIL_TARGETS: '[1]' }, 'HOPTRACE_TAIL_TARGETS="[1]" must be a JSON object of services'],
    [{ HOPTRACE_TAIL_TARGETS: '{"orders":5}' }, '; "orders" is not an object of operation names to traces per second'],
    [{ HOPTRACE_TAIL_TARGETS: '{"orders":{"GET /":-1}}' }, '; "orders" / "GET /" is not a positive number'],
    [{ HOPTRACE_TAIL_OBJECTIVE: '99.9' }, 'HOPTRACE_TAIL_OBJECTIVE="99.9" must be between 0 and 1, exclusive'],
    [{ HOPTRACE_TAIL_BOOST_BURN: 'high' }, 'HOPTRACE_TAIL_BOOST_BURN="high" must be a positive burn rate'],
    [{ HOPTRACE_TAIL_INTERVAL_S: '-1' }, 'HOPTRACE_TAIL_INTERVAL_S="-1" must be a positive number of seconds'],
    [{ HOPTRACE_TAIL_KEEP_OVER_P99: 'yes' }, 'HOPTRACE_TAIL_KEEP_OVER_P99="yes" must be true or false'],
  ])('refuses %j', (env, message) => {
    expect(() => readConsumerConfig({ ...BASE, HOPTRACE_TAIL_TARGET_PER_S: '1', ...env })).toThrow(message);
  });
});

describe("the next probability (Jaeger's rule, capped)", () => {
  // 60 s intervals, target 1/s: 60 kept an interval is on target.
  it.each([
    ['over target: decreased at once, to target / observed', 0.1, counts({ routine: 2400, sampled: 240 }), 0.025],
    ['under target: raised, by at most +50%', 0.1, counts({ routine: 400, sampled: 40 }), 0.15],
    ['slightly under: raised to target / observed', 0.1, counts({ routine: 500, sampled: 50 }), 0.12],
    ['routine traces but none in the fraction: +50%', 0.1, counts({ routine: 5, sampled: 0 }), 0.15],
    ['nothing routine: unchanged', 0.1, counts({ traces: 20, errors: 20 }), 0.1],
    ['never above 1', 0.9, counts({ routine: 10, sampled: 9 }), 1],
    ['never below 1e-5', 2e-5, counts({ routine: 1e9, sampled: 1e6 }), MIN_PROBABILITY],
  ])('%s', (_what, old, observed, expected) => {
    expect(nextProbability(old, 1, observed, 60_000)).toBeCloseTo(expected, 10);
  });

  it('reads the p99 of root durations to within a 25% bucket, and the burn against the budget', () => {
    const durations: Record<string, number> = { [bucketOf(20)]: 990, [bucketOf(500)]: 10 };
    const p99 = p99Of(durations)!;
    expect(p99).toBeGreaterThanOrEqual(20);
    expect(p99).toBeLessThan(25);
    expect(p99Of({ ...durations, [bucketOf(20)]: 989, [bucketOf(500)]: 11 })).toBeGreaterThanOrEqual(500);
    expect(p99Of({})).toBeUndefined();
    expect(burnRate(counts({ traces: 1000, errors: 10 }), 0.999)).toBeCloseTo(10, 10);
    expect(burnRate(counts({}), 0.999)).toBe(0);
  });
});

describe('the next plan', () => {
  const interval = 100;
  const start = interval * SETTINGS.intervalMs;

  it('marks an operation rare below the minimum count, and keeps its p99 from the last interval that had enough', () => {
    const busy = nextPlan(
      undefined,
      new Map([[KEY, counts({ traces: 200, routine: 200, sampled: 60, durations: { [bucketOf(20)]: 200 } })]]),
      interval,
      SETTINGS,
    );
    expect(busy.operations[KEY]).toMatchObject({
      rare: false,
      probability: 0.1,
      boostUntil: 0,
      lastSeen: interval - 1,
    });
    const quiet = nextPlan(
      busy,
      new Map([[KEY, counts({ traces: 3, routine: 3, sampled: 0, durations: { [bucketOf(900)]: 3 } })]]),
      interval + 1,
      SETTINGS,
    );
    expect(quiet.operations[KEY]).toMatchObject({ rare: true, p99Ms: busy.operations[KEY]!.p99Ms });
  });

  it('boosts an operation from the interval after its burn passed the threshold, extends while it stays over, and ends the boost after it', () => {
    // 2% errors against a 0.1% budget: a burn of 20.
    const incident = counts({ traces: 1000, errors: 20, routine: 980, sampled: 98 });
    const calm = counts({ traces: 1000, errors: 1, routine: 999, sampled: 60 });
    const boosted = nextPlan(undefined, new Map([[KEY, incident]]), interval, SETTINGS);
    expect(boosted.operations[KEY]!.boostUntil).toBe(start + SETTINGS.boostMs);
    const extended = nextPlan(boosted, new Map([[KEY, incident]]), interval + 1, SETTINGS);
    expect(extended.operations[KEY]!.boostUntil).toBe(start + SETTINGS.intervalMs + SETTINGS.boostMs);
    const cooling = nextPlan(extended, new Map([[KEY, calm]]), interval + 2, SETTINGS);
    expect(cooling.operations[KEY]!.boostUntil).toBe(extended.operations[KEY]!.boostUntil);
    const over = nextPlan(cooling, new Map([[KEY, calm]]), interval + 11, SETTINGS);
    expect(over.operations[KEY]!.boostUntil).toBe(0);
    // Too few traces to judge a burn: no boost.
    expect(
      nextPlan(undefined, new Map([[KEY, counts({ traces: 5, errors: 5 })]]), interval, SETTINGS).operations[KEY]!
        .boostUntil,
    ).toBe(0);
  });

  it('follows a per-operation target, and forgets an operation not seen for 60 intervals', () => {
    const observed = new Map([[KEY, counts({ traces: 600, routine: 600, sampled: 60 })]]);
    expect(
      nextPlan(undefined, observed, interval, { ...SETTINGS, targets: { orders: { 'GET /orders': 0.5 } } }).operations[
        KEY
      ]!.probability,
    ).toBeCloseTo(0.05, 10);
    const plan = nextPlan(undefined, observed, interval, SETTINGS);
    // Last seen in interval 99: intervals 100 to 158 without it are 59, 100 to 159 are 60.
    expect(Object.keys(nextPlan(plan, new Map(), interval + 59, SETTINGS).operations)).toEqual([KEY]);
    expect(Object.keys(nextPlan(plan, new Map(), interval + 60, SETTINGS).operations)).toEqual([]);
  });
});

function request(service: string, spans: Array<Record<string, unknown>>): OtlpExportRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: {}, spans }],
      },
    ],
  } as unknown as OtlpExportRequest;
}
const rootSpan = (traceId: string, fields: Record<string, unknown> = {}) => ({
  traceId,
  spanId: 'a'.repeat(16),
  name: 'GET /orders',
  kind: 2,
  startTimeUnixNano: '1000000000',
  endTimeUnixNano: '1020000000',
  attributes: [],
  status: { code: 0 },
  ...fields,
});
const hex = (i: number): string => createHash('sha256').update(`trace-${i}`).digest('hex').slice(0, 32);

/** A sampler whose shared state hands out `plan`, and records the counts written. */
function samplerWith(plan: Plan, now = () => plan.interval * SETTINGS.intervalMs + 1) {
  const written: Array<Map<string, OperationCounts>> = [];
  const state = {
    plan: async () => ({ plan, computed: true }),
    writeCounts: async (_i: number, _s: string, c: Map<string, OperationCounts>) => void written.push(new Map(c)),
  } as unknown as SamplingState;
  return { sampler: new AdaptiveSampler(SETTINGS, state, now), written };
}

describe('the adaptive sampler', () => {
  const op = { probability: 0.5, p99Ms: 100, rare: false, boostUntil: 0, lastSeen: 9 };
  const root = { key: KEY, durationMs: 20, error: false };
  const ids = Array.from({ length: 400 }, (_, i) => hex(i + 100));

  it('reads the root and its service from the requests', () => {
    const traceId = hex(1);
    expect(
      rootOf([
        request('orders', [{ ...rootSpan(traceId), parentSpanId: 'b'.repeat(16) }]),
        request('orders', [rootSpan(traceId, { status: { code: 2 } })]),
      ]),
    ).toEqual({ key: KEY, durationMs: 20, error: true });
    expect(rootOf([request('orders', [{ ...rootSpan(traceId), parentSpanId: 'b'.repeat(16) }])])).toBeUndefined();
  });

  it("decides interest first, then rare, boosted, over its p99, and the probability's fraction, with the probability kept", async () => {
    const decide = async (changes: Partial<typeof op>, r = root, found?: 'error') => {
      const { sampler } = samplerWith({ interval: 10, operations: { [KEY]: { ...op, ...changes } } });
      await sampler.prepare('hoptrace');
      return ids.map((id) => sampler.decide(id, r, found));
    };
    expect(new Set((await decide({}, root, 'error')).map((d) => JSON.stringify(d)))).toEqual(
      new Set([JSON.stringify({ reason: 'error', probability: 1 })]),
    );
    expect((await decide({ rare: true })).every((d) => d?.reason === 'rare' && d.probability === 1)).toBe(true);
    expect((await decide({ boostUntil: 10 * SETTINGS.intervalMs + 2 })).every((d) => d?.reason === 'boost')).toBe(true);
    expect((await decide({ boostUntil: 10 * SETTINGS.intervalMs + 1 })).some((d) => d === undefined)).toBe(true);
    expect((await decide({}, { ...root, durationMs: 101 })).every((d) => d?.reason === 'p99')).toBe(true);
    const sampled = await decide({});
    expect(sampled.map((d) => d?.reason === 'target')).toEqual(ids.map((id) => inSampledFraction(id, 0.5)));
    expect(sampled.filter((d) => d).every((d) => d!.probability === 0.5)).toBe(true);
    // An operation the plan does not know yet is kept whole.
    expect((await decide({}, { ...root, key: operationKey('orders', 'new') })).every((d) => d?.reason === 'rare')).toBe(
      true,
    );
  });

  it('counts roots, errors, routine traces and those in the fraction, under a boost too, and writes them after the batch', async () => {
    const { sampler, written } = samplerWith({ interval: 10, operations: { [KEY]: { ...op, boostUntil: Infinity } } });
    await sampler.prepare('hoptrace');
    for (const id of ids) sampler.count(id, root, undefined);
    sampler.count(hex(5), { ...root, error: true }, 'error');
    sampler.count(hex(6), { ...root, durationMs: 500 }, undefined);
    await sampler.flush();
    const inFraction = ids.filter((id) => inSampledFraction(id, 0.5)).length;
    expect(written[0]!.get(KEY)).toEqual({
      traces: 402,
      errors: 1,
      routine: 400,
      sampled: inFraction,
      durations: { [bucketOf(20)]: 401, [bucketOf(500)]: 1 },
    });
  });

  it("writes the plan's metrics only where it computed the plan", async () => {
    const plan = { interval: 10, operations: { [KEY]: { ...op, boostUntil: 11 * SETTINGS.intervalMs } } };
    const { sampler } = samplerWith(plan);
    expect((await sampler.prepare('ns')).map((l) => JSON.parse(l))).toEqual([
      {
        _aws: {
          Timestamp: 10 * SETTINGS.intervalMs,
          CloudWatchMetrics: [
            {
              Namespace: 'ns',
              Dimensions: [['service', 'operation']],
              Metrics: [
                { Name: 'SampledProbability', Unit: 'None' },
                { Name: 'BoostActive', Unit: 'Count' },
              ],
            },
          ],
        },
        service: 'orders',
        operation: 'GET /orders',
        SampledProbability: 1,
        BoostActive: 1,
      },
    ]);
    expect(await sampler.prepare('ns')).toEqual([]);
    const other = new AdaptiveSampler(
      SETTINGS,
      { plan: async () => ({ plan, computed: false }) } as unknown as SamplingState,
      () => 10 * SETTINGS.intervalMs,
    );
    expect(await other.prepare('ns')).toEqual([]);
  });
});

describe('the consumer with adaptive sampling', () => {
  it('stores a decision made at the root with its probability, parks a part without the root, and counts kept traces per operation', async () => {
    const { sampler } = samplerWith({
      interval: 10,
      operations: { [KEY]: { probability: 1, rare: false, boostUntil: 0, lastSeen: 9 } },
    });
    const kept: unknown[] = [];
    const parked: string[] = [];
    const lines: string[] = [];
    const store = {
      lookup: async () => ({ decisions: new Map(), parked: new Set(), failing: new Set(), sent: new Set() }),
      keep: async (decisions: unknown[]) => void kept.push(...decisions),
      park: async (parts: Array<{ traceId: string }>) => void parked.push(...parts.map((p) => p.traceId)),
      markSent: async () => undefined,
    } as unknown as DecisionStore;
    const record = (n: number, traceId: string, req: OtlpExportRequest): KinesisStreamRecord =>
      ({
        eventID: `shardId-0:${n}`,
        kinesis: {
          data: gzipSync(JSON.stringify(req)).toString('base64'),
          partitionKey: traceId,
          sequenceNumber: String(n),
        },
      }) as KinesisStreamRecord;
    const [withRoot, withoutRoot] = [hex(1), hex(2)];
    const result = await consumeBatch(
      [
        record(1, withRoot, request('orders', [rootSpan(withRoot)])),
        record(2, withoutRoot, request('worker', [{ ...rootSpan(withoutRoot), parentSpanId: 'c'.repeat(16) }])),
      ],
      {
        policies: {
          keepErrors: true,
          latencyThresholdMs: 1000,
          keepColdStarts: true,
          sampleRatio: 0.1,
          adaptive: SETTINGS,
        },
        sampler,
        store,
        forward: async () => undefined,
        maxRequestBytes: 1 << 20,
        retryWindowMs: 300_000,
        metricsNamespace: 'hoptrace',
        emit: (line) => lines.push(line),
        log: () => undefined,
        now: () => 10 * SETTINGS.intervalMs + 1,
      },
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(kept).toEqual([{ traceId: withRoot, reason: 'target', probability: 1 }]);
    expect(parked).toEqual([withoutRoot]);
    expect(lines.map((l) => JSON.parse(l)).filter((d) => 'KeptTraces' in d && d.service)).toEqual([
      expect.objectContaining({ service: 'orders', operation: 'GET /orders', KeptTraces: 1 }),
    ]);
  });
});
