import type { Analysis, AnalyzeOptions } from './analyze';
import { compareSides, type SideTrace } from './analysis/compare-sides';
import { compareTraces, typicalTrace, type RootOf } from './analysis/compare-traces';
import { rootOf } from './analysis/trace-view';
import type { Comparison } from './args';
import type { Print } from './commands';
import { CliError } from './errors';
import type { TraceDetail } from './model';
import { durationMs } from './read/spans';
import { renderSideComparison, renderTraceComparison } from './render/compare';

// `hoptrace compare`, the same on every source: each source answers three questions (traces
// by id, the peers of a trace's root operation, the traces of two values of an attribute),
// the comparison itself is computed in memory (cli/src/analysis/compare-*.ts).

/** Reads one or two traces in full: those asked for, each found or a clear error. */
export type ReadTraces = (ids: readonly string[]) => Promise<Map<string, TraceDetail>>;

/** What `compare` asks of a source. */
export interface ComparisonSources {
  read: ReadTraces;
  /** The traces whose root is the same service and operation as this one's (it included). */
  sameRoot: (traceId: string) => Promise<RootOf[]>;
  /** The traces with the attribute at one of the values. */
  sides: (by: string, values: readonly string[]) => Promise<SideTrace[]>;
}

export async function executeCompare(comparison: Comparison, sources: ComparisonSources, print: Print): Promise<void> {
  if ('by' in comparison) {
    const [a, b] = comparison.values;
    const result = compareSides(comparison.by, a, b, await sources.sides(comparison.by, comparison.values));
    if (result.a.traces === 0 || result.b.traces === 0) {
      const missing = [result.a, result.b]
        .filter((side) => side.traces === 0)
        .map((side) => `"${side.value}"`)
        .join(' and ');
      throw new CliError(`no trace has ${comparison.by} = ${missing} (among the traces read that pass the filters)`);
    }
    print(result, () => renderSideComparison(result));
    return;
  }
  let ids: [string, string];
  if ('traces' in comparison) ids = comparison.traces;
  else {
    const roots = await sources.sameRoot(comparison.trace);
    const own = roots.find((r) => r.traceId === comparison.trace);
    if (!own) {
      await sources.read([comparison.trace]);
      throw new CliError(
        `trace ${comparison.trace} has no root span, so no operation to find a typical trace of: compare it with another trace (compare <a> <b>)`,
      );
    }
    const typical = typicalTrace(roots, comparison.trace);
    if (typical === undefined)
      throw new CliError(
        `no other trace has the root ${own.service}: ${own.name} to compare trace ${comparison.trace} with`,
      );
    ids = [comparison.trace, typical];
  }
  const details = await sources.read(ids);
  const result = compareTraces(details.get(ids[0])!, details.get(ids[1])!);
  print(result, () => renderTraceComparison(result));
}

/** The three questions answered by reads of a source in memory (`read` is one read, with its notes). */
export function memorySources(
  read: (options: AnalyzeOptions) => Promise<Analysis>,
  notFound: (traceId: string, analysis: Analysis) => CliError,
): ComparisonSources {
  return {
    read: async (ids) => {
      const analysis = await read({ detail: (id) => ids.includes(id) });
      for (const id of ids) if (!analysis.details.has(id)) throw notFound(id, analysis);
      return analysis.details;
    },
    sameRoot: async (traceId) => {
      const roots: RootOf[] = [];
      const analysis = await read({
        each: (view) => {
          const root = rootOf(view);
          if (root && view.roots.length > 0)
            roots.push({ traceId: view.traceId, service: root.service, name: root.name, durationMs: durationMs(root) });
        },
      });
      if (!analysis.traces.some((t) => t.traceId === traceId)) throw notFound(traceId, analysis);
      return roots;
    },
    sides: async (by, values) => {
      const traces: SideTrace[] = [];
      await read({
        by,
        facets: true,
        each: (view, found, facets) => {
          if (values.some((v) => found.has(v))) traces.push({ view, values: found, facets });
        },
      });
      return traces;
    },
  };
}
