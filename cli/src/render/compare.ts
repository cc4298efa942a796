import type { SideComparison } from '../analysis/compare-sides';
import type { Lift } from '../analysis/lift';
import type { ComparedSpan, TraceComparison } from '../analysis/compare-traces';
import { formatMs } from '../format-duration';
import { table } from './text';

/** Matched spans with a different duration shown in text (all of them are in --json). */
const CHANGES_SHOWN = 20;

/** A compared span: its service, its ancestors' names and its own. */
export const where = (s: { service: string; name: string; path: string[] }): string =>
  `${s.service}: ${[...s.path, s.name].join(' › ')}`;

/** A difference of durations with its sign. */
export const signed = (ms: number): string => (ms >= 0 ? `+${formatMs(ms)}` : `-${formatMs(-ms)}`);

function onlyIn(label: string, spans: readonly ComparedSpan[]): string[] {
  if (spans.length === 0) return [`only in ${label}: none`];
  return [
    `only in ${label} (${spans.length}):`,
    ...spans.map((s) => `  ${where(s)}  +${formatMs(s.startMs)}  ${formatMs(s.durationMs)}`),
  ];
}

export function renderTraceComparison(c: TraceComparison): string {
  const changed = c.changed.slice(0, CHANGES_SHOWN);
  return [
    `a ${c.a.traceId}  ${c.a.spans} spans, ${formatMs(c.a.durationMs)}`,
    `b ${c.b.traceId}  ${c.b.spans} spans, ${formatMs(c.b.durationMs)}`,
    `${c.matched} span(s) matched by service, name and ancestors' names; ${c.changed.length} of them took a different time`,
    '',
    ...onlyIn('a', c.onlyInA),
    ...onlyIn('b', c.onlyInB),
    '',
    c.changed.length === 0
      ? 'durations: every matched span took the same time'
      : [
          `durations that differ (b - a), the largest first${c.changed.length > CHANGES_SHOWN ? ` (${CHANGES_SHOWN} of ${c.changed.length}; --json lists all)` : ''}:`,
          table(
            ['span', 'a', 'b', 'b - a', 'b / a'],
            changed.map((x) => [
              where(x),
              formatMs(x.aMs),
              formatMs(x.bMs),
              signed(x.deltaMs),
              x.ratio === null ? '-' : `×${x.ratio}`,
            ]),
          ),
        ].join('\n'),
  ].join('\n');
}

const percent = (rate: number): string => `${(rate * 100).toFixed(2)}%`;

function lifts(label: string, kind: string, list: readonly Lift[]): string[] {
  if (list.length === 0) return [`  ${label}, ${kind} traces: nothing over-represented`];
  return [
    `  ${label}, ${kind} traces (lift = share among them / share among all of the side's):`,
    ...list.map(
      (l) =>
        `    ${l.attribute}  on ${l.count} of ${l.of} ${kind}, ${l.overallCount} of ${l.overallOf} in all  lift ×${l.lift}`,
    ),
  ];
}

export function renderSideComparison(c: SideComparison): string {
  const cell = (ms: number | undefined): string => (ms === undefined ? '-' : formatMs(ms));
  return [
    `a: ${c.by} = ${c.a.value} (${c.a.traces} traces)   b: ${c.by} = ${c.b.value} (${c.b.traces} traces)`,
    '',
    table(
      [
        'service',
        'operation',
        'count a',
        'count b',
        'p50 a',
        'p50 b',
        'p95 a',
        'p95 b',
        'Δp95',
        'p99 a',
        'p99 b',
        'errors a',
        'errors b',
        'Δerrors',
      ],
      c.operations.map((o) => [
        o.service,
        o.name,
        String(o.a?.count ?? 0),
        String(o.b?.count ?? 0),
        cell(o.a?.p50Ms),
        cell(o.b?.p50Ms),
        cell(o.a?.p95Ms),
        cell(o.b?.p95Ms),
        o.delta ? signed(o.delta.p95Ms) : '-',
        cell(o.a?.p99Ms),
        cell(o.b?.p99Ms),
        o.a ? percent(o.a.errorRate) : '-',
        o.b ? percent(o.b.errorRate) : '-',
        o.delta ? `${o.delta.errorRate >= 0 ? '+' : ''}${(o.delta.errorRate * 100).toFixed(2)} pt` : '-',
      ]),
    ),
    '',
    'attributes over-represented (slow: above the p95 of traces with the same root operation)',
    ...lifts(`a (${c.a.value})`, 'slow', c.overRepresented.a.slow),
    ...lifts(`a (${c.a.value})`, 'failed', c.overRepresented.a.failed),
    ...lifts(`b (${c.b.value})`, 'slow', c.overRepresented.b.slow),
    ...lifts(`b (${c.b.value})`, 'failed', c.overRepresented.b.failed),
  ].join('\n');
}
