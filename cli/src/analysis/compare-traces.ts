import type { TraceDetail, TraceSpan } from '../model';
import { nearestRank, sortedCopy } from './percentiles';

// Two traces side by side (`hoptrace compare <a> <b>`): spans are matched by service, name
// and the names of their ancestors (the path from the root); several spans with the same
// key match in start order, the first with the first. What is left over is in one trace
// only; matched spans whose durations differ are listed by how much (absolute and ratio).

export interface ComparedSpan {
  service: string;
  name: string;
  /** The ancestors' names, root first. */
  path: string[];
  spanId: string;
  startMs: number;
  durationMs: number;
}

export interface SpanChange {
  service: string;
  name: string;
  path: string[];
  aSpanId: string;
  bSpanId: string;
  aMs: number;
  bMs: number;
  /** b − a. */
  deltaMs: number;
  /** b / a; null when a took no time. */
  ratio: number | null;
}

/** `compare --json` of two traces (contract). */
export interface TraceComparison {
  a: { traceId: string; durationMs: number; spans: number };
  b: { traceId: string; durationMs: number; spans: number };
  /** Spans matched in both. */
  matched: number;
  onlyInA: ComparedSpan[];
  onlyInB: ComparedSpan[];
  /** Matched spans whose durations differ, the largest difference first. */
  changed: SpanChange[];
}

const micros = (ms: number): number => Math.round(ms * 1000);

/** Each span with its path, grouped by key, each group in start order. */
function keyed(detail: TraceDetail): Map<string, ComparedSpan[]> {
  const byId = new Map(detail.spans.map((s) => [s.spanId, s]));
  const paths = new Map<string, string[]>();
  const groups = new Map<string, ComparedSpan[]>();
  for (const span of detail.spans) {
    const parent: TraceSpan | undefined = span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);
    const path = parent ? [...paths.get(parent.spanId)!, parent.name] : [];
    paths.set(span.spanId, path);
    const key = JSON.stringify([span.service, span.name, path]);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push({
      service: span.service,
      name: span.name,
      path,
      spanId: span.spanId,
      startMs: span.startMs,
      durationMs: span.durationMs,
    });
  }
  for (const group of groups.values()) group.sort((x, y) => x.startMs - y.startMs);
  return groups;
}

const byPlace = (x: ComparedSpan, y: ComparedSpan): number => x.startMs - y.startMs || x.spanId.localeCompare(y.spanId);

export function compareTraces(a: TraceDetail, b: TraceDetail): TraceComparison {
  const left = keyed(a);
  const right = keyed(b);
  const onlyInA: ComparedSpan[] = [];
  const onlyInB: ComparedSpan[] = [];
  const changed: SpanChange[] = [];
  let matched = 0;
  for (const key of new Set([...left.keys(), ...right.keys()])) {
    const x = left.get(key) ?? [];
    const y = right.get(key) ?? [];
    const pairs = Math.min(x.length, y.length);
    matched += pairs;
    for (let i = 0; i < pairs; i++) {
      const deltaUs = micros(y[i]!.durationMs) - micros(x[i]!.durationMs);
      if (deltaUs === 0) continue;
      changed.push({
        service: x[i]!.service,
        name: x[i]!.name,
        path: x[i]!.path,
        aSpanId: x[i]!.spanId,
        bSpanId: y[i]!.spanId,
        aMs: x[i]!.durationMs,
        bMs: y[i]!.durationMs,
        deltaMs: deltaUs / 1000,
        ratio: x[i]!.durationMs > 0 ? Math.round((y[i]!.durationMs / x[i]!.durationMs) * 1000) / 1000 : null,
      });
    }
    onlyInA.push(...x.slice(pairs));
    onlyInB.push(...y.slice(pairs));
  }
  changed.sort((p, q) => Math.abs(q.deltaMs) - Math.abs(p.deltaMs) || p.aSpanId.localeCompare(q.aSpanId));
  return {
    a: { traceId: a.traceId, durationMs: a.durationMs, spans: a.spans.length },
    b: { traceId: b.traceId, durationMs: b.durationMs, spans: b.spans.length },
    matched,
    onlyInA: onlyInA.sort(byPlace),
    onlyInB: onlyInB.sort(byPlace),
    changed,
  };
}

/** A trace's root operation and the root's own duration, for picking a typical trace. */
export interface RootOf {
  traceId: string;
  service: string;
  name: string;
  durationMs: number;
}

/**
 * The typical trace of an operation to compare `traceId` with: among the traces whose root
 * is the same service and operation (`traceId` included), the median root duration (nearest
 * rank); the trace other than `traceId` nearest to it, ties to the lower trace id. `readable`
 * narrows where the nearest may be, not the median: the HTML report holds only some traces in full.
 */
export function typicalTrace(
  roots: readonly RootOf[],
  traceId: string,
  readable: (traceId: string) => boolean = () => true,
): string | undefined {
  const own = roots.find((r) => r.traceId === traceId);
  if (!own) return undefined;
  const peers = roots.filter((r) => r.service === own.service && r.name === own.name);
  const median = nearestRank(sortedCopy(peers.map((r) => r.durationMs)), 50);
  let best: RootOf | undefined;
  for (const r of peers) {
    if (r.traceId === traceId || !readable(r.traceId)) continue;
    const d = Math.abs(r.durationMs - median);
    const known = best ? Math.abs(best.durationMs - median) : Infinity;
    if (d < known || (d === known && r.traceId < best!.traceId)) best = r;
  }
  return best?.traceId;
}
