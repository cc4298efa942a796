import { randomUUID } from 'node:crypto';
import { attributeMap } from '../../src/otlp/values';
import { OtlpStatusCode, type OtlpExportRequest } from '../../src/otlp/types';
import { emfLine } from '../embedded-metrics';
import { durationMs, inSampledFraction, type Decision, type KeepReason } from './policy';
import {
  bucketOf,
  emptyCounts,
  MAX_OPERATIONS,
  operationKey,
  splitOperationKey,
  type AdaptiveSettings,
  type OperationCounts,
  type Plan,
} from './sampling-plan';
import type { SamplingState } from './sampling-state';

/** A trace's root span, as adaptive sampling reads it. */
export interface Root {
  /** `service` and root operation (operationKey). */
  key: string;
  durationMs: number;
  error: boolean;
}

/** The trace's root among these requests (a span without a parent), with its resource's service. */
export function rootOf(requests: readonly OtlpExportRequest[]): Root | undefined {
  for (const request of requests) {
    for (const rs of request.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          if (span.parentSpanId) continue;
          const service = String(attributeMap(rs.resource?.attributes)['service.name'] ?? 'unknown');
          return {
            key: operationKey(service, span.name),
            durationMs: durationMs(span),
            error: span.status?.code === OtlpStatusCode.Error,
          };
        }
      }
    }
  }
  return undefined;
}

/**
 * One sandbox's adaptive sampler: the interval's plan (read or computed through the shared
 * state), the decision for a trace whose root is at hand, and what this sandbox observed,
 * written back after each batch for the next plan. A decision is a function of the trace id
 * and the plan, so every shard following the plan decides a trace alike.
 */
export class AdaptiveSampler {
  private plan: Plan | undefined;
  private counts = new Map<string, OperationCounts>();
  private countsInterval = -1;
  private readonly sandbox = randomUUID();

  constructor(
    private readonly settings: AdaptiveSettings,
    private readonly state: SamplingState,
    private readonly now: () => number = Date.now,
  ) {}

  private interval(): number {
    return Math.floor(this.now() / this.settings.intervalMs);
  }

  /**
   * Makes the current interval's plan ready. Returns the plan's metric lines when this
   * sandbox computed it (once per interval across all shards), none otherwise.
   */
  async prepare(namespace: string): Promise<string[]> {
    const interval = this.interval();
    if (this.countsInterval !== interval) {
      this.counts = new Map();
      this.countsInterval = interval;
    }
    if (this.plan?.interval === interval) return [];
    const { plan, computed } = await this.state.plan(interval);
    this.plan = plan;
    return computed ? this.planLines(namespace) : [];
  }

  /**
   * Why a trace with this root is kept, if it is, and with what probability. Interest found
   * in its spans (`interest`: error, slow span, cold start) comes first, then the operation's
   * plan: rare, boosted, slower than its p99, or inside its probability's fraction.
   */
  decide(traceId: string, root: Root, interest: KeepReason | undefined): Decision | undefined {
    if (interest) return { reason: interest, probability: 1 };
    const op = this.plan?.operations[root.key];
    if (!op) {
      // Unknown to the plan: new (rare until counted), or beyond the plan's size.
      if (Object.keys(this.plan?.operations ?? {}).length < MAX_OPERATIONS) return { reason: 'rare', probability: 1 };
      return inSampledFraction(traceId, this.settings.initialProbability)
        ? { reason: 'target', probability: this.settings.initialProbability }
        : undefined;
    }
    if (op.rare) return { reason: 'rare', probability: 1 };
    if (op.boostUntil > this.now()) return { reason: 'boost', probability: 1 };
    if (this.overP99(root)) return { reason: 'p99', probability: 1 };
    return inSampledFraction(traceId, op.probability) ? { reason: 'target', probability: op.probability } : undefined;
  }

  private overP99(root: Root): boolean {
    const p99 = this.plan?.operations[root.key]?.p99Ms;
    return this.settings.keepOverP99 && p99 !== undefined && root.durationMs > p99;
  }

  /** Counts a trace whose root was decided in this batch. */
  count(traceId: string, root: Root, interest: KeepReason | undefined): void {
    let counts = this.counts.get(root.key);
    if (!counts) {
      if (this.counts.size >= MAX_OPERATIONS) return;
      this.counts.set(root.key, (counts = emptyCounts()));
    }
    counts.traces++;
    if (root.error) counts.errors++;
    const bucket = String(bucketOf(root.durationMs));
    counts.durations[bucket] = (counts.durations[bucket] ?? 0) + 1;
    if (interest !== undefined || this.overP99(root)) return;
    counts.routine++;
    const probability = this.plan?.operations[root.key]?.probability ?? this.settings.initialProbability;
    // Counted whether or not a boost keeps it: the target is held to the fraction, so that the
    // probability is right the moment the boost ends.
    if (inSampledFraction(traceId, probability)) counts.sampled++;
  }

  /** Stores this sandbox's counts of the interval, for the next plan. */
  async flush(): Promise<void> {
    if (this.counts.size > 0) await this.state.writeCounts(this.countsInterval, this.sandbox, this.counts);
  }

  /** The plan as metrics, per operation: its probability, and 1 while boosted. */
  private planLines(namespace: string): string[] {
    const plan = this.plan!;
    const timestamp = plan.interval * this.settings.intervalMs;
    return Object.entries(plan.operations).map(([key, op]) => {
      const [service, operation] = splitOperationKey(key);
      return emfLine(
        namespace,
        timestamp,
        ['service', 'operation'],
        [
          { Name: 'SampledProbability', Unit: 'None' },
          { Name: 'BoostActive', Unit: 'Count' },
        ],
        {
          service,
          operation,
          SampledProbability: op.rare || op.boostUntil > timestamp ? 1 : op.probability,
          BoostActive: op.boostUntil > timestamp ? 1 : 0,
        },
      );
    });
  }
}

/** Kept traces per operation, as metrics. */
export function keptLines(namespace: string, timestamp: number, kept: Map<string, number>): string[] {
  return [...kept].map(([key, count]) => {
    const [service, operation] = splitOperationKey(key);
    return emfLine(namespace, timestamp, ['service', 'operation'], [{ Name: 'KeptTraces', Unit: 'Count' }], {
      service,
      operation,
      KeptTraces: count,
    });
  });
}
