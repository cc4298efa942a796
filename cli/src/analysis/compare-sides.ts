import type { Stats } from '../model';
import { durationMs, Flag } from '../read/spans';
import { Aggregator, byOperation, type LinkResolver } from './aggregate';
import { overRepresented, type Lift } from './lift';
import { rootOf, type TraceView } from './trace-view';

// `hoptrace compare --by <attribute> <a> <b>`: a trace is on side a when one of its spans
// has the attribute at value a (the span's attribute, else its resource's, compared as text,
// as `--query '{ .attr = "a" }'` reads it), and every figure of a side is computed on its
// traces, as `stats --by` splits them.

/** A trace read for a comparison: its spans, the attribute's values on them, and every `key=value` they carry. */
export interface SideTrace {
  view: TraceView;
  values: ReadonlySet<string>;
  facets: ReadonlySet<string>;
}

export interface SideFigures {
  count: number;
  errors: number;
  /** errors / count, to 4 decimals. */
  errorRate: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** `compare --by --json` (contract). */
export interface SideComparison {
  by: string;
  a: { value: string; traces: number };
  b: { value: string; traces: number };
  /** Per operation on either side; `delta` is b − a where both have it. */
  operations: Array<{
    service: string;
    name: string;
    a: SideFigures | null;
    b: SideFigures | null;
    delta: { p50Ms: number; p95Ms: number; p99Ms: number; errorRate: number } | null;
  }>;
  overRepresented: { a: { slow: Lift[]; failed: Lift[] }; b: { slow: Lift[]; failed: Lift[] } };
}

const rate = (errors: number, count: number): number =>
  count > 0 ? Math.round((errors / count) * 10_000) / 10_000 : 0;
const diff = (x: number, y: number, scale = 1000): number => Math.round((y - x) * scale) / scale;

function figures(op: Stats['operations'][number]): SideFigures {
  return {
    count: op.count,
    errors: op.errors,
    errorRate: rate(op.errors, op.count),
    p50Ms: op.p50Ms,
    p95Ms: op.p95Ms,
    p99Ms: op.p99Ms,
  };
}

function side(traces: readonly SideTrace[], value: string, by: string, resolve: LinkResolver) {
  const on = traces.filter((t) => t.values.has(value));
  const aggregator = new Aggregator(resolve);
  for (const t of on) aggregator.add(t.view);
  const own = `${by}=`;
  const lifted = overRepresented(
    on.map(({ view, facets }) => {
      const root = rootOf(view);
      return {
        group: root ? `${root.service}\0${root.name}` : '',
        durationMs: root && view.roots.length > 0 ? durationMs(root) : (view.endUs - view.startUs) / 1000,
        failed: [...view.byId.values()].some((s) => (s.flags & Flag.Error) !== 0),
        // The attribute the sides are split by says nothing within a side.
        facets: new Set([...facets].filter((f) => !f.startsWith(own))),
      };
    }),
  );
  return { traces: on.length, operations: aggregator.stats().operations, lifted };
}

export function compareSides(by: string, a: string, b: string, traces: readonly SideTrace[]): SideComparison {
  const byTrace = new Map(traces.map((t) => [t.view.traceId, t.view]));
  const resolve: LinkResolver = (ref) =>
    byTrace.get(ref.slice(0, ref.indexOf('/')))?.byId.get(ref.slice(ref.indexOf('/') + 1));
  const left = side(traces, a, by, resolve);
  const right = side(traces, b, by, resolve);
  const key = (op: { service: string; name: string }): string => `${op.service}\0${op.name}`;
  const rightOps = new Map(right.operations.map((op) => [key(op), op]));
  const leftOps = new Map(left.operations.map((op) => [key(op), op]));
  const names = [...left.operations, ...right.operations.filter((op) => !leftOps.has(key(op)))].sort(byOperation);
  return {
    by,
    a: { value: a, traces: left.traces },
    b: { value: b, traces: right.traces },
    operations: names.map(({ service, name }) => {
      const x = leftOps.get(key({ service, name }));
      const y = rightOps.get(key({ service, name }));
      const fa = x ? figures(x) : null;
      const fb = y ? figures(y) : null;
      return {
        service,
        name,
        a: fa,
        b: fb,
        delta:
          fa && fb
            ? {
                p50Ms: diff(fa.p50Ms, fb.p50Ms),
                p95Ms: diff(fa.p95Ms, fb.p95Ms),
                p99Ms: diff(fa.p99Ms, fb.p99Ms),
                errorRate: diff(fa.errorRate, fb.errorRate, 10_000),
              }
            : null,
      };
    }),
    overRepresented: { a: left.lifted, b: right.lifted },
  };
}
