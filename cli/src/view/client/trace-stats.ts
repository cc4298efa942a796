// The open trace's statistics, as Jaeger's Trace Statistics: per service and operation, its
// spans' count, total and self time (breakdownOf, which `hoptrace trace` prints too), with
// averages and self time's share of the trace, sortable on every column. Computed when the
// pane is shown, not when the trace opens; only the rows in view are drawn (a trace of
// 10,000 span names has as many rows).
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { breakdownOf, type BreakdownRow } from '../../analysis/breakdown';
import { formatMs } from '../../format-duration';
import type { TraceDetail } from '../../model';
import { serviceColor } from './format';
import { VirtualRows } from './virtual-rows';

interface StatsRow extends BreakdownRow {
  avgMs: number;
  selfAvgMs: number;
  /** Self time over the trace's extent. */
  selfShare: number;
}

type Column = keyof StatsRow;

const columns: Array<{ key: Column; label: string; title?: string }> = [
  { key: 'service', label: 'Service' },
  { key: 'name', label: 'Operation' },
  { key: 'count', label: 'Count' },
  { key: 'totalMs', label: 'Total', title: "the spans' durations added up" },
  { key: 'avgMs', label: 'Avg' },
  {
    key: 'selfMs',
    label: 'Self',
    title: 'each span less the time its children ran inside it (overlapping children counted once)',
  },
  { key: 'selfAvgMs', label: 'Self avg' },
  { key: 'selfShare', label: 'Self % of trace', title: "self time over the trace's extent" },
];

export function TraceStats(props: { detail: TraceDetail }): VNode {
  const { detail } = props;
  const rows = useMemo(
    (): StatsRow[] =>
      breakdownOf(detail).map((r) => ({
        ...r,
        avgMs: r.totalMs / r.count,
        selfAvgMs: r.selfMs / r.count,
        selfShare: detail.durationMs > 0 ? r.selfMs / detail.durationMs : 0,
      })),
    [detail],
  );
  // breakdownOf's own order (self time, largest first) until a column is picked.
  const [sort, setSort] = useState<{ key: Column; descending: boolean } | undefined>(undefined);
  const shown = useMemo(() => {
    if (!sort) return rows;
    const sign = sort.descending ? -1 : 1;
    return [...rows].sort((a, b) => {
      const x = a[sort.key];
      const y = b[sort.key];
      return sign * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)));
    });
  }, [rows, sort]);
  const text = (key: Column): boolean => key === 'service' || key === 'name';

  return html`<section class="trace-stats" data-testid="trace-stats">
    <div class="grid-head stats-grid" role="row">
      ${columns.map(
        (c) => html`<button
          type="button"
          class=${`sort ${text(c.key) ? '' : 'num'} ${sort?.key === c.key ? 'on' : ''}`}
          title=${c.title}
          onClick=${() => setSort({ key: c.key, descending: sort?.key === c.key ? !sort.descending : !text(c.key) })}
        >${c.label}${sort?.key === c.key ? (sort.descending ? ' ▼' : ' ▲') : ''}</button>`,
      )}
    </div>
    <${VirtualRows}
      items=${shown}
      rowHeight=${26}
      row=${(
        r: StatsRow,
      ) => html`<div class="stats-grid stats-row" role="row" data-service=${r.service} data-name=${r.name} data-count=${r.count} data-total-ms=${r.totalMs} data-self-ms=${r.selfMs}>
        <span><i class="dot" style=${{ background: serviceColor(r.service) }}></i>${r.service}</span>
        <span title=${r.name}>${r.name}</span>
        <span class="num">${r.count}</span>
        <span class="num">${formatMs(r.totalMs)}</span>
        <span class="num">${formatMs(r.avgMs)}</span>
        <span class="num">${formatMs(r.selfMs)}</span>
        <span class="num">${formatMs(r.selfAvgMs)}</span>
        <span class="num">${(r.selfShare * 100).toFixed(1)}%</span>
      </div>`}
    />
  </section>`;
}
