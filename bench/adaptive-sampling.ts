import {
  runAdaptiveScenario,
  STEADY_INTERVALS,
  TARGET_PER_INTERVAL,
  type IntervalOutcome,
} from '../testing/adaptive-scenario';
import { startTailSamplerBed } from '../testing/tail-sampler-bed';

export interface AdaptiveMeasure {
  outcomes: IntervalOutcome[];
  /** Mean kept routine traces per interval at steady state, over the target's. */
  steadyRatio: number;
  /** Error traces kept over error traces sent, in every interval (the spike's included). */
  errorsKept: number;
  errorsSent: number;
  /** Intervals from the incident's to the first boosted one. */
  intervalsToBoost: number;
  /** Kept routine traces in the two intervals after the boost, over the target's. */
  afterCooldownRatio: number;
}

/**
 * Adaptive sampling on synthetic traffic (testing/adaptive-scenario.ts): steady, an
 * incident, a 10× spike, through kinesalite (two shards, two consumers), dynalite and an OTLP
 * receiver, on a fake clock of 10 s intervals and a target of 2 kept traces per second.
 */
export async function adaptiveSampling(): Promise<AdaptiveMeasure> {
  const bed = await startTailSamplerBed();
  try {
    const outcomes = await runAdaptiveScenario(bed, 'bench-adaptive');
    const mean = (intervals: number[]): number =>
      intervals.reduce((sum, i) => sum + outcomes[i]!.kept.routine, 0) / intervals.length;
    const incident = outcomes.findIndex((o) => o.phase === 'incident');
    return {
      outcomes,
      steadyRatio: mean(STEADY_INTERVALS) / TARGET_PER_INTERVAL,
      errorsKept: outcomes.reduce((n, o) => n + o.kept.error, 0),
      errorsSent: outcomes.reduce((n, o) => n + o.sent.error, 0),
      intervalsToBoost: outcomes.findIndex((o, i) => i > incident && o.boostActive[0] === 1) - incident,
      afterCooldownRatio: mean([7, 8]) / TARGET_PER_INTERVAL,
    };
  } finally {
    await bed.close();
  }
}
