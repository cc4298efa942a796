import type { TraceSummary } from '../../cli/src/model';
import { type PlannedSpan, type PlannedTrace, planCorpus } from './sdk-corpus';

// The SDK corpus's known answers that more than one test file checks, computed from the
// plan alone (test/helpers/sdk-corpus.ts), never from the command.

export const ms = (s: PlannedSpan): number => s.endMs - s.startMs;

/** When the trace's first exported span starts (epoch ms): what puts a trace in a time window. */
export const firstStartMs = (t: PlannedTrace): number => Math.min(...t.spans.map((s) => s.startMs));

/** `traces --json`'s `error`: the first failed span by start time, or null. */
export function firstFailure(t: PlannedTrace): TraceSummary['error'] {
  const failed = t.spans.filter((s) => s.failure).sort((a, b) => a.startMs - b.startMs)[0];
  if (!failed?.failure) return null;
  const status = failed.attributes['http.response.status_code'];
  return {
    service: failed.service,
    name: failed.name,
    message: failed.failure.statusMessage ?? failed.failure.exception?.message ?? null,
    type: failed.failure.exception?.type ?? null,
    httpStatus: typeof status === 'number' ? status : null,
  };
}

/** A `traces --json` row as the plan says it: the fields `summaryOf` keeps. */
export function expectedSummary(t: PlannedTrace) {
  const start = firstStartMs(t);
  const end = Math.max(...t.spans.map((s) => s.endMs));
  // Rootless: listed under the earliest orphan (the spans whose parent was the root).
  const orphans = t.spans.filter((s) => s.parentSpanId === t.root.spanId).sort((a, b) => a.startMs - b.startMs);
  return {
    traceId: t.traceId,
    rootName: t.rootWithheld ? orphans[0]!.name : t.root.name,
    services: [...new Set(t.spans.map((s) => s.service))].sort(),
    spanCount: t.spans.length,
    durationMs: end - start,
    errorCount: t.spans.filter((s) => s.failure).length,
    startTime: new Date(start).toISOString(),
    rootDurationMs: t.rootWithheld ? null : ms(t.root),
    rootMissing: t.rootWithheld,
    error: firstFailure(t),
  };
}

/** The fields of a `traces --json` row that `expectedSummary` gives, in the same shape. */
export const summaryOf = (r: TraceSummary): ReturnType<typeof expectedSummary> => ({
  traceId: r.traceId,
  rootName: r.rootName,
  services: [...r.services].sort(),
  spanCount: r.spanCount,
  durationMs: r.durationMs,
  errorCount: r.errorCount,
  startTime: r.startTime,
  rootDurationMs: r.rootDurationMs,
  rootMissing: r.rootMissing,
  error: r.error,
});

export const byTraceId = <T extends { traceId: string }>(rows: T[]): T[] =>
  [...rows].sort((a, b) => a.traceId.localeCompare(b.traceId));

/** The span the three shorthands `--service inventory --name UpdateItem --min-duration 500ms` ask for. */
export const slowInventoryUpdate = (s: PlannedSpan): boolean =>
  s.service === 'inventory' && s.name.includes('UpdateItem') && ms(s) >= 500;

/** 2026-11-03T00:00:00Z, the midnight the corpus of `acrossMidnight` runs across. */
export const MIDNIGHT = Date.UTC(2026, 10, 3);

/**
 * The corpus (5,000 traces, seed 20, and the 10,000-span import) across MIDNIGHT, with a
 * trace (`straddler`) that began a second before it and answered before it, and whose
 * fulfilment tail starts more than a second after it; `nowMs` is five minutes past the
 * corpus's half hour, when every span has ended.
 */
export function acrossMidnight(traces: number, seed: number) {
  // The plan's shape does not depend on its start: find a trace whose tail starts well after
  // the trace does, and start the corpus so that midnight falls between the two.
  const probe = planCorpus(traces, seed, { startMs: 0 });
  const straddler = probe.findIndex(
    (t, i) =>
      i >= traces / 10 &&
      !t.rootWithheld &&
      ms(t.root) < 800 &&
      t.spans.some((s) => s.name === 'order-events process' && s.startMs - firstStartMs(t) > 2000),
  );
  const startMs = MIDNIGHT - (firstStartMs(probe[straddler]!) + 1000);
  const plan = planCorpus(traces, seed, { startMs, big: true });
  return { plan, startMs, straddler: plan[straddler]!, big: plan.at(-1)!, nowMs: startMs + 35 * 60_000 };
}
