import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConsumerConfig } from '../../handlers/tail-sampler/config';
import { SamplingState } from '../../handlers/tail-sampler/sampling-state';
import { operationKey } from '../../handlers/tail-sampler/sampling-plan';
import { createDecisionTable } from '../../testing/decision-table';
import {
  runAdaptiveScenario,
  SCENARIO_ENV,
  STEADY_INTERVALS,
  TARGET_PER_INTERVAL,
  type IntervalOutcome,
} from '../../testing/adaptive-scenario';
import { startTailSamplerBed, type TailSamplerBed } from '../../testing/tail-sampler-bed';

let bed: TailSamplerBed;

beforeAll(async () => {
  bed = await startTailSamplerBed();
});
afterAll(() => bed.close());

describe('adaptive sampling through kinesalite and dynalite, two shards, on a fake clock', () => {
  let outcomes: IntervalOutcome[];
  beforeAll(async () => {
    outcomes = await runAdaptiveScenario(bed, 'adaptive-scenario');
  }, 120_000);
  const routine = (intervals: number[]): number[] => intervals.map((i) => outcomes[i]!.kept.routine);

  it('keeps a new operation whole, then holds its target within ±30% at steady state', () => {
    expect(outcomes[0]!.kept).toEqual(outcomes[0]!.sent);
    // 20 kept a interval is ±22% (one sd) of sampling noise on its own: the goal is held on
    // the mean of the steady intervals, and each stays within a loose ±60%.
    const steady = routine(STEADY_INTERVALS);
    const mean = steady.reduce((a, b) => a + b, 0) / steady.length;
    expect([steady, Math.abs(mean - TARGET_PER_INTERVAL) <= 0.3 * TARGET_PER_INTERVAL]).toEqual([steady, true]);
    expect(steady.every((n) => Math.abs(n - TARGET_PER_INTERVAL) <= 0.6 * TARGET_PER_INTERVAL)).toBe(true);
  });

  it("keeps every error trace, and every trace slower than its operation's p99, in every interval, through the spike", () => {
    for (const o of outcomes) expect([o.interval, o.kept.error]).toEqual([o.interval, o.sent.error]);
    for (const o of outcomes.slice(1)) expect([o.interval, o.kept.slow]).toEqual([o.interval, o.sent.slow]);
  });

  it("boosts from the interval after the incident's, keeps everything for the boost, then samples to the target again", () => {
    const [incident, boosted1, boosted2] = outcomes.slice(4, 7) as [IntervalOutcome, IntervalOutcome, IntervalOutcome];
    expect(incident.kept.routine).toBeLessThan(incident.sent.routine / 2);
    expect([boosted1.kept, boosted2.kept]).toEqual([boosted1.sent, boosted2.sent]);
    expect(outcomes.map((o) => o.boostActive)).toEqual([[], [0], [0], [0], [0], [1], [1], [0], [0], [0], [0]]);
    // The probability went on following the traffic under the boost: no climb back after it.
    expect(routine([7, 8]).every((n) => Math.abs(n - TARGET_PER_INTERVAL) <= 0.6 * TARGET_PER_INTERVAL)).toBe(true);
  });

  it('follows a 10× spike down within one interval: the probability drops at once', () => {
    const [first, second] = outcomes.slice(9) as [IntervalOutcome, IntervalOutcome];
    // The spike's first interval runs on the plan made before it.
    expect(first.kept.routine).toBeGreaterThan(5 * TARGET_PER_INTERVAL);
    expect(second.probability[0]).toBeLessThan(first.probability[0]! / 5);
  });

  it("has one plan per interval, whichever of the two shards' consumers computed it", () => {
    expect(outcomes.map((o) => o.probability.length)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
});

describe('the shared sampling state', () => {
  it('stores one plan per interval when consumers race for it, and each follows the stored one', async () => {
    await createDecisionTable(bed.dynamo.client, 'adaptive-race');
    const { adaptive } = readConsumerConfig({
      HOPTRACE_FORWARD_ENDPOINT: 'http://127.0.0.1:1/v1/traces',
      HOPTRACE_DECISION_TABLE: 'adaptive-race',
      ...SCENARIO_ENV,
    }).policies;
    const states = Array.from(
      { length: 4 },
      () => new SamplingState(bed.dynamo.client, { table: 'adaptive-race', adaptive: adaptive! }),
    );
    const key = operationKey('orders-api', 'GET /orders');
    // Two sandboxes' counts for interval 7; the plans of interval 8 follow from their sum.
    await states[0]!.writeCounts(
      7,
      'a',
      new Map([[key, { traces: 300, errors: 0, routine: 300, sampled: 30, durations: { '14': 300 } }]]),
    );
    await states[1]!.writeCounts(
      7,
      'b',
      new Map([[key, { traces: 100, errors: 0, routine: 100, sampled: 10, durations: { '14': 100 } }]]),
    );
    const plans = await Promise.all(states.map((s) => s.plan(8)));
    expect(plans.filter((p) => p.computed)).toHaveLength(1);
    expect(new Set(plans.map((p) => JSON.stringify(p.plan))).size).toBe(1);
    // Initial 0.5; 40 sampled in 10 s is 4/s against a target of 2/s: halved.
    expect(plans[0]!.plan.operations[key]!.probability).toBeCloseTo(0.25, 10);
    expect((await states[3]!.plan(8)).computed).toBe(false);
  });
});
