// One trace: its summary line, the waterfall or the flame graph with the selected span's
// details, its statistics per service and operation, or its comparison with another trace.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { logsQueries } from '../../analysis/logs-link';
import type { TraceDetail, TraceSummary, ViewData } from '../../model';
import { FlameGraph } from './flame-graph';
import { LogsLink } from './logs-link';
import { formatMs } from '../../format-duration';
import { formatTime } from './format';
import { SpanDetails } from './span-details';
import { buildTree } from './trace-tree';
import { TraceCompare } from './trace-compare';
import { TraceStats } from './trace-stats';
import { Waterfall } from './waterfall';

export const tracePanes = ['waterfall', 'flame', 'stats', 'compare'] as const;
export type TracePane = (typeof tracePanes)[number];

const paneLabels: Record<TracePane, string> = {
  waterfall: 'Waterfall',
  flame: 'Flame graph',
  stats: 'Statistics',
  compare: 'Compare',
};

export function TraceView(props: {
  detail: TraceDetail;
  summary: TraceSummary | undefined;
  pane: TracePane;
  onPane: (pane: TracePane) => void;
  hasTrace: (traceId: string) => boolean;
  onOpenTrace: (traceId: string) => void;
  /** The trace the compare pane compares this one with. */
  against: string | undefined;
  onAgainst: (traceId: string) => void;
  report: Pick<ViewData, 'traces' | 'details' | 'index'>;
}): VNode {
  const { detail, summary, pane } = props;
  const tree = useMemo(() => buildTree(detail), [detail]);
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const selected = selectedId === undefined ? undefined : tree.byId.get(selectedId)?.span;
  const errors = detail.spans.filter((s) => s.status === 'error').length;
  const logs = useMemo(() => logsQueries(detail), [detail]);
  const View = pane === 'flame' ? FlameGraph : Waterfall;

  return html`<section class="trace">
    <header class="trace-head">
      <h2>${summary?.rootName ?? tree.roots[0]?.span.name ?? detail.traceId}</h2>
      <span class="mono">${detail.traceId}</span>
      ${summary ? html`<span>${formatTime(summary.startTime)}</span>` : null}
      <span>${formatMs(detail.durationMs)}</span>
      <span>${detail.spans.length} spans</span>
      <span class=${errors > 0 ? 'bad' : ''}>${errors} errors</span>
      ${tree.orphans.length > 0 ? html`<span class="bad">${tree.orphans.length} orphans</span>` : null}
      ${logs.filter((q) => q.scope === 'trace').map((q) => html`<${LogsLink} query=${q} label=${q.region ? `Logs (${q.region})` : 'Logs'} />`)}
      <nav class="panes">
        ${tracePanes.map((p) => html`<button type="button" class=${pane === p ? 'on' : ''} onClick=${() => props.onPane(p)}>${paneLabels[p]}</button>`)}
      </nav>
    </header>
    ${
      pane === 'stats'
        ? html`<${TraceStats} detail=${detail} />`
        : pane === 'compare'
          ? html`<${TraceCompare} detail=${detail} against=${props.against} report=${props.report} onAgainst=${props.onAgainst} onOpenTrace=${props.onOpenTrace} />`
          : html`<div class=${`trace-body ${selected ? 'with-details' : ''}`}>
      <${View} detail=${detail} tree=${tree} selectedId=${selectedId} onSelect=${setSelectedId} />
      ${
        selected
          ? html`<${SpanDetails}
            span=${selected}
            traceId=${detail.traceId}
            hasSpan=${(id: string) => tree.byId.has(id)}
            hasTrace=${props.hasTrace}
            onSelect=${setSelectedId}
            onOpenTrace=${props.onOpenTrace}
            onClose=${() => setSelectedId(undefined)}
            logs=${logs.find((q) => q.scope === 'invocation' && q.spanId === selected.spanId)}
          />`
          : null
      }
    </div>`
    }
  </section>`;
}
