import type { FailureSplit, ServiceMap, Stats, TraceSummary } from '../model';
import { formatMs } from '../format-duration';
import { share, table } from './text';

export function renderTraces(traces: TraceSummary[]): string {
  if (traces.length === 0) return 'no traces match';
  return table(
    ['start', 'trace id', 'root', 'services', 'spans', 'duration', 'errors', 'cold'],
    traces.map((t) => [
      t.startTime.replace('T', ' ').replace('Z', ''),
      t.traceId,
      t.rootName,
      t.services.join(','),
      String(t.spanCount),
      formatMs(t.durationMs),
      String(t.errorCount),
      String(t.coldStarts),
    ]),
    [1],
  );
}

export function renderStats(stats: Stats): string {
  const out = [
    'operations (percentiles: nearest rank, exact on the spans read)',
    table(
      ['service', 'operation', 'count', 'errors', 'p50', 'p95', 'p99', 'slowest trace', 'a failed trace'],
      stats.operations.map((o) => [
        o.service,
        o.name,
        String(o.count),
        String(o.errors),
        formatMs(o.p50Ms),
        formatMs(o.p95Ms),
        formatMs(o.p99Ms),
        o.slowestTraceIds[0] ?? '-',
        o.failedTraceIds[0] ?? '-',
      ]),
      [7, 8],
    ),
    '',
    ...timelineLines(stats),
    'functions',
    stats.functions.length === 0
      ? '  (no invocation spans)'
      : table(
          ['service', 'invocations', 'cold starts', 'cold rate', 'init p50', 'init p95', 'a cold start'],
          stats.functions.map((f) => [
            f.service,
            String(f.invocations),
            String(f.coldStarts),
            share(f.coldStarts, f.invocations),
            f.initP50Ms !== null ? formatMs(f.initP50Ms) : '-',
            f.initP95Ms !== null ? formatMs(f.initP95Ms) : '-',
            f.coldStartTraceIds[0] ?? '-',
          ]),
          [6],
        ),
    '',
  ];
  const { count, withOrphans, spansPerTrace } = stats.traces;
  const complete = count > 0 ? (100 * (count - withOrphans)) / count : 100;
  out.push(`traces: ${count}, ${withOrphans} with orphan spans (${complete.toFixed(1)}% complete)`);
  if (spansPerTrace)
    out.push(`spans per trace: p50 ${spansPerTrace.p50}, p95 ${spansPerTrace.p95}, max ${spansPerTrace.max}`);
  return out.join('\n');
}

/** The timeline's operations text shows; `--json` has every one. */
const TIMELINE_OPERATIONS = 3;

/**
 * "When did it start", in text: one row per bucket holding any of the busiest operations, a
 * `count/errors p95` cell for each (a p95 is one operation's: those of several do not combine).
 */
function timelineLines(stats: Stats): string[] {
  const busiest = [...stats.operations]
    .sort((a, b) => b.count - a.count)
    .slice(0, TIMELINE_OPERATIONS)
    .map((o) => `${o.service} ${o.name}`);
  const cells = new Map<string, Map<string, string>>();
  for (const t of stats.timeline) {
    const column = busiest.indexOf(`${t.service} ${t.name}`);
    if (column < 0) continue;
    const row = cells.get(t.start) ?? new Map<string, string>();
    row.set(busiest[column]!, `${t.count}/${t.errors} ${formatMs(t.p95Ms)}`);
    cells.set(t.start, row);
  }
  if (cells.size === 0) return [];
  const rows = [...cells].map(([start, row]) => [
    start.replace('T', ' ').replace('.000Z', '').replace('Z', ''),
    ...busiest.map((op) => row.get(op) ?? '-'),
  ]);
  return [
    `timeline (per bucket: count/errors p95 of the ${busiest.length} busiest operation(s); every one in --json)`,
    table(['bucket start (UTC)', ...busiest], rows, [0, ...busiest.map((_, i) => i + 1)]),
    '',
  ];
}

/** Errors split as `throttled/4xx/5xx`, "-" when none failed; failures that say neither are in `errors` only. */
function failureCell(errors: number, failures: FailureSplit): string {
  return errors === 0 ? '-' : `${failures.throttle}/${failures['4xx']}/${failures['5xx']}`;
}

/** The service map as text: the nodes, then one line per edge, sync ─▶ and async ╌▶. */
export function renderMap(map: ServiceMap): string {
  const nodes = table(
    ['node', 'kind', 'requests or calls', 'errors', 'throttled/4xx/5xx', 'p95'],
    map.nodes.map((n) => [
      n.service,
      n.kind,
      String(n.count),
      String(n.errors),
      failureCell(n.errors, n.failures),
      formatMs(n.p95Ms),
    ]),
  );
  const width = Math.max(0, ...map.edges.map((e) => e.from.length));
  const edges = map.edges.map((e) => {
    const split = e.errors > 0 ? ` [throttled/4xx/5xx ${failureCell(e.errors, e.failures)}]` : '';
    return `  ${e.from.padStart(width)} ${e.kind === 'sync' ? '───sync──▶' : '╌╌async╌╌▶'} ${e.to}  (${e.count} call(s), ${e.errors} error(s)${split}, p95 ${formatMs(e.p95Ms)})`;
  });
  return [
    'services and what they call',
    nodes,
    '',
    'calls',
    ...(edges.length > 0 ? edges : ['  (no calls between services)']),
  ].join('\n');
}

/** `stats --by`: one block of stats per value. */
export function renderStatsBy(split: { by: string; groups: Record<string, Stats>; without: number }): string {
  const values = Object.keys(split.groups);
  if (values.length === 0) return `no trace has ${split.by}`;
  const blocks = values.map((value) => [`── ${split.by} = ${value} ──`, renderStats(split.groups[value]!)].join('\n'));
  return [
    ...blocks,
    ...(split.without > 0 ? [`${split.without} trace(s) without ${split.by} are in no group`] : []),
  ].join('\n\n');
}
