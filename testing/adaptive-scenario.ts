import type { KinesisStreamEvent } from 'aws-lambda';
import { readConsumerConfig } from '../handlers/tail-sampler/config';
import { createConsumer } from '../handlers/tail-sampler/consumer';
import { startEventSource } from './event-source';
import { intervalTraffic, OPERATION, SERVICE, type TraceKind } from './adaptive-traffic';
import type { TailSamplerBed } from './tail-sampler-bed';

/** One interval of synthetic traffic: how many traces, how many failed, how many slow. */
export interface IntervalLoad {
  phase: string;
  traces: number;
  errors: number;
  slow: number;
}

export interface IntervalOutcome extends IntervalLoad {
  interval: number;
  /** Traces of each kind that reached the backend, out of those sent. */
  kept: Record<TraceKind, number>;
  sent: Record<TraceKind, number>;
  /** The plan's metrics for the operation, as the consumers emitted them (one plan per interval). */
  probability: number[];
  boostActive: number[];
}

export const INTERVAL_S = 10;
export const TARGET_PER_S = 2;
/** Kept routine traces the target asks for in one interval. */
export const TARGET_PER_INTERVAL = INTERVAL_S * TARGET_PER_S;

/**
 * Steady traffic; an incident (a fifth of the traces failing for one interval), the boost and
 * steady again; then a 10× spike. Intervals 1-3, 7-8 and 10 are at steady state under their plan.
 */
export const SCENARIO: IntervalLoad[] = [
  ...Array.from({ length: 4 }, () => ({ phase: 'steady', traces: 100, errors: 1, slow: 1 })),
  { phase: 'incident', traces: 100, errors: 20, slow: 1 },
  ...Array.from({ length: 4 }, () => ({ phase: 'after incident', traces: 100, errors: 1, slow: 1 })),
  ...Array.from({ length: 2 }, () => ({ phase: 'spike', traces: 1000, errors: 5, slow: 5 })),
];
export const STEADY_INTERVALS = [1, 2, 3, 7, 8, 10];

/** The adaptive settings the scenario runs with: 2 traces/s in 10 s intervals, a boost of two intervals. */
export const SCENARIO_ENV = {
  HOPTRACE_TAIL_TARGET_PER_S: String(TARGET_PER_S),
  HOPTRACE_TAIL_INTERVAL_S: String(INTERVAL_S),
  HOPTRACE_TAIL_BOOST_S: String(2 * INTERVAL_S),
  HOPTRACE_TAIL_MIN_TRACES: '10',
  HOPTRACE_SAMPLE_RATIO: '0.5',
};

const START_MS = 1_800_000_000_000;

/**
 * The scenario through kinesalite (two shards, each its own consumer, as two Lambda
 * sandboxes), dynalite (decisions and the shared sampling state) and an OTLP receiver, on a
 * fake clock: each interval's traffic is put on the stream and consumed with the clock inside
 * that interval. Returns what reached the backend per interval.
 */
export async function runAdaptiveScenario(
  bed: TailSamplerBed,
  name: string,
  scenario: IntervalLoad[] = SCENARIO,
): Promise<IntervalOutcome[]> {
  const { kinesis, dynamo, receiver } = bed;
  await bed.lane(name, 2);
  let clock = START_MS;
  const config = readConsumerConfig({
    HOPTRACE_FORWARD_ENDPOINT: receiver.url,
    HOPTRACE_DECISION_TABLE: name,
    ...SCENARIO_ENV,
  });
  const lines: Array<{ at: number; doc: Record<string, unknown> }> = [];
  const output = {
    emit: (line: string) => lines.push({ at: clock, doc: JSON.parse(line) as Record<string, unknown> }),
    log: () => undefined,
  };
  const sandboxes = new Map<string, ReturnType<typeof createConsumer>>();
  const consume = (event: KinesisStreamEvent) => {
    const shard = event.Records[0]!.eventID.split(':')[0]!;
    if (!sandboxes.has(shard))
      sandboxes.set(
        shard,
        createConsumer(config, dynamo.client, output, () => clock),
      );
    return sandboxes.get(shard)!(event);
  };
  const source = await startEventSource(kinesis.client, name, consume, { batchSize: 500, pollMs: 20 });
  const outcomes: IntervalOutcome[] = [];
  try {
    for (const [i, load] of scenario.entries()) {
      clock = START_MS + i * INTERVAL_S * 1000 + 1000;
      const traffic = intervalTraffic(name, i, load.traces, load.errors, load.slow);
      await bed.put(name, traffic);
      await source.idle();
      const got = new Set(receiver.spans().map((s) => s.traceId));
      const tally = (filter: (t: (typeof traffic)[number]) => boolean): Record<TraceKind, number> => {
        const out: Record<TraceKind, number> = { routine: 0, error: 0, slow: 0 };
        for (const t of traffic) if (filter(t)) out[t.kind]++;
        return out;
      };
      const plan = lines
        .filter(
          (l) =>
            l.at === clock &&
            l.doc.service === SERVICE &&
            l.doc.operation === OPERATION &&
            'SampledProbability' in l.doc,
        )
        .map((l) => l.doc);
      outcomes.push({
        ...load,
        interval: i,
        kept: tally((t) => got.has(t.traceId)),
        sent: tally(() => true),
        probability: plan.map((d) => d.SampledProbability as number),
        boostActive: plan.map((d) => d.BoostActive as number),
      });
    }
  } finally {
    await source.stop();
  }
  return outcomes;
}
