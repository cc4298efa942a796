/**
 * Adaptive sampling's arithmetic, with no I/O: what was observed of each (service, root
 * operation) in one interval, and the plan the next interval follows. The consumer counts
 * (adaptive-sampler.ts); the table shares counts and plans between shards (sampling-state.ts).
 */

export interface AdaptiveSettings {
  /** Kept routine traces per second per operation, unless overridden. */
  targetPerSecond: number;
  /** `service` → `operation` → target per second. */
  targets: Record<string, Record<string, number>>;
  intervalMs: number;
  /** An operation's probability before anything was observed of it. */
  initialProbability: number;
  /** An operation with fewer traces than this in an interval is kept whole in the next. */
  minTraces: number;
  /** Keep a trace whose root is slower than its operation's p99 of the last interval. */
  keepOverP99: boolean;
  /** Availability objective, 0 to 1: the error budget is 1 - objective. */
  objective: number;
  /** Error-budget burn over one interval at which an operation is boosted. */
  boostBurn: number;
  /** How long a boost keeps every trace of its operation. */
  boostMs: number;
}

export const MIN_PROBABILITY = 1e-5;
// Jaeger's adaptive sampling caps an increase at +50% per calculation too: a quiet interval
// must not swing the next one to keeping everything.
const MAX_INCREASE = 1.5;
// Operations in one plan, and counted by one sandbox: each is one DynamoDB item of at most
// 400 KB. The least busy beyond it are sampled at the initial probability.
export const MAX_OPERATIONS = 500;
// An operation not seen for this many intervals leaves the plan.
const FORGET_AFTER_INTERVALS = 60;

/** One operation's figures for one interval. */
export interface OperationCounts {
  /** Traces whose root was seen. */
  traces: number;
  /** Of those, roots with status ERROR. */
  errors: number;
  /** Routine traces (no error, slow span or cold start): the ones the probability samples. */
  routine: number;
  /** Routine traces inside the probability's fraction, boosted or not: what the target is held to. */
  sampled: number;
  /** Root durations: log bucket index → count (see bucketOf). */
  durations: Record<string, number>;
}

export interface OperationPlan {
  probability: number;
  /** Roots slower than this (ms) are kept; undefined until an interval had enough traces. */
  p99Ms?: number | undefined;
  /** Too few traces in the last interval: every trace is kept. */
  rare: boolean;
  /** Until when (ms) every trace is kept, for an incident; 0 when not boosted. */
  boostUntil: number;
  /** Last interval the operation was seen in. */
  lastSeen: number;
}

export interface Plan {
  /** The interval it applies to: floor(time / intervalMs). */
  interval: number;
  operations: Record<string, OperationPlan>;
}

/** `service` and `operation` as one key; NUL cannot occur in either. */
export const operationKey = (service: string, operation: string): string => `${service}\u0000${operation}`;
export const splitOperationKey = (key: string): [string, string] => {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
};

// Root durations in buckets 25% wide: p99 to within a quarter, in a few dozen numbers per operation.
const BUCKET_BASE = Math.log(1.25);
export const bucketOf = (ms: number): number => (ms <= 1 ? 0 : Math.ceil(Math.log(ms) / BUCKET_BASE));
const bucketUpperMs = (bucket: number): number => Math.exp(bucket * BUCKET_BASE);

export function emptyCounts(): OperationCounts {
  return { traces: 0, errors: 0, routine: 0, sampled: 0, durations: {} };
}

export function addCounts(into: OperationCounts, from: OperationCounts): OperationCounts {
  into.traces += from.traces;
  into.errors += from.errors;
  into.routine += from.routine;
  into.sampled += from.sampled;
  for (const [bucket, n] of Object.entries(from.durations)) into.durations[bucket] = (into.durations[bucket] ?? 0) + n;
  return into;
}

/** The upper bound of the bucket holding the nearest-rank 99th percentile. */
export function p99Of(durations: Record<string, number>): number | undefined {
  const buckets = Object.entries(durations)
    .map(([b, n]) => [Number(b), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return undefined;
  const rank = Math.ceil(0.99 * total);
  let seen = 0;
  for (const [bucket, n] of buckets) {
    seen += n;
    if (seen >= rank) return bucketUpperMs(bucket);
  }
  return undefined;
}

export function targetOf(settings: AdaptiveSettings, key: string): number {
  const [service, operation] = splitOperationKey(key);
  return settings.targets[service]?.[operation] ?? settings.targetPerSecond;
}

/**
 * Jaeger's rule: the new probability is the old one times target / observed kept per second;
 * an increase is capped at +50%, a decrease is taken at once, and the result stays in
 * [1e-5, 1]. Nothing routine seen: nothing to learn, the probability stays. Routine traces
 * seen but none in the fraction: raised by the cap, as observed = 0 would ask for infinity.
 */
export function nextProbability(old: number, target: number, counts: OperationCounts, intervalMs: number): number {
  if (counts.routine === 0) return old;
  const observed = counts.sampled / (intervalMs / 1000);
  const wanted = observed === 0 ? Infinity : old * (target / observed);
  const next = wanted > old ? Math.min(wanted, old * MAX_INCREASE) : wanted;
  return Math.min(1, Math.max(MIN_PROBABILITY, next));
}

/** Error-budget burn: the error rate over the budget (1 - objective). 1 spends the budget exactly. */
export function burnRate(counts: OperationCounts, objective: number): number {
  return counts.traces === 0 ? 0 : counts.errors / counts.traces / (1 - objective);
}

/**
 * The plan of `interval`, from the plan before it and what was observed under that plan (the
 * counts of every shard for `previous.interval`). An operation is boosted from the interval
 * after the one its burn passed the threshold in, for `boostMs`, extended while it stays over.
 */
export function nextPlan(
  previous: Plan | undefined,
  observed: Map<string, OperationCounts>,
  interval: number,
  settings: AdaptiveSettings,
): Plan {
  const start = interval * settings.intervalMs;
  const operations: Record<string, OperationPlan> = {};
  const keys = new Set([...Object.keys(previous?.operations ?? {}), ...observed.keys()]);
  for (const key of keys) {
    const before = previous?.operations[key];
    const counts = observed.get(key) ?? emptyCounts();
    const seen = counts.traces > 0 ? (previous?.interval ?? interval - 1) : (before?.lastSeen ?? interval - 1);
    if (interval - 1 - seen >= FORGET_AFTER_INTERVALS) continue;
    const old = before?.probability ?? settings.initialProbability;
    const burning = counts.traces >= settings.minTraces && burnRate(counts, settings.objective) >= settings.boostBurn;
    operations[key] = {
      probability: nextProbability(old, targetOf(settings, key), counts, settings.intervalMs),
      p99Ms: counts.traces >= settings.minTraces ? p99Of(counts.durations) : before?.p99Ms,
      rare: counts.traces < settings.minTraces,
      boostUntil: burning ? start + settings.boostMs : (before?.boostUntil ?? 0) > start ? before!.boostUntil : 0,
      lastSeen: seen,
    };
  }
  const busiest = Object.entries(operations).sort(
    (a, b) => (observed.get(b[0])?.traces ?? 0) - (observed.get(a[0])?.traces ?? 0),
  );
  return { interval, operations: Object.fromEntries(busiest.slice(0, MAX_OPERATIONS)) };
}
