// The stats tables: operations with p50/p95/p99, functions with cold starts and init time,
// and trace completeness.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import type { Stats, TraceSummary } from '../../model';
import { formatMs, percent, serviceColor } from './format';

type Operation = Stats['operations'][number];
type OperationKey = keyof Operation;

const operationColumns: Array<{ key: OperationKey; label: string; ms?: boolean }> = [
  { key: 'service', label: 'Service' },
  { key: 'name', label: 'Operation' },
  { key: 'count', label: 'Count' },
  { key: 'errors', label: 'Errors' },
  { key: 'p50Ms', label: 'p50', ms: true },
  { key: 'p95Ms', label: 'p95', ms: true },
  { key: 'p99Ms', label: 'p99', ms: true },
];

export function StatsView(props: { stats: Stats; traces: readonly TraceSummary[] }): VNode {
  const { stats, traces } = props;
  const [sort, setSort] = useState<{ key: OperationKey; descending: boolean }>({ key: 'p95Ms', descending: true });
  const sign = sort.descending ? -1 : 1;
  const operations = [...stats.operations].sort((a, b) => {
    const x = a[sort.key];
    const y = b[sort.key];
    return sign * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)));
  });
  const spanCounts = traces.map((t) => t.spanCount);
  const complete = stats.traces.count - stats.traces.withOrphans;

  return html`<section class="stats">
    <h2>Operations</h2>
    <p class="muted">Percentiles are exact (nearest rank) on the spans read.</p>
    <table class="table" data-testid="operations">
      <thead><tr>
        ${operationColumns.map(
          (c) => html`<th class=${c.ms || c.key === 'count' || c.key === 'errors' ? 'num' : ''}>
            <button type="button" class="sort" onClick=${() => setSort({ key: c.key, descending: sort.key === c.key ? !sort.descending : true })}>
              ${c.label}${sort.key === c.key ? (sort.descending ? ' ▼' : ' ▲') : ''}
            </button>
          </th>`,
        )}
      </tr></thead>
      <tbody>
        ${operations.map(
          (o) => html`<tr>
            <td><i class="dot" style=${{ background: serviceColor(o.service) }}></i>${o.service}</td>
            <td>${o.name}</td>
            <td class="num">${o.count}</td>
            <td class=${`num ${o.errors > 0 ? 'bad' : ''}`}>${o.errors}</td>
            <td class="num">${formatMs(o.p50Ms)}</td>
            <td class="num">${formatMs(o.p95Ms)}</td>
            <td class="num">${formatMs(o.p99Ms)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <h2>Functions</h2>
    <table class="table" data-testid="functions">
      <thead><tr><th>Service</th><th class="num">Invocations</th><th class="num">Cold starts</th><th class="num">Cold-start rate</th><th class="num">Init p50</th><th class="num">Init p95</th></tr></thead>
      <tbody>
        ${stats.functions.map(
          (f) => html`<tr>
            <td><i class="dot" style=${{ background: serviceColor(f.service) }}></i>${f.service}</td>
            <td class="num">${f.invocations}</td>
            <td class="num">${f.coldStarts}</td>
            <td class="num">${percent(f.coldStarts, f.invocations)}</td>
            <td class="num" title=${f.initP50Ms === null ? 'no init span was read (plain OpenTelemetry instrumentation records none)' : ''}>${f.initP50Ms !== null ? formatMs(f.initP50Ms) : '–'}</td>
            <td class="num">${f.initP95Ms !== null ? formatMs(f.initP95Ms) : '–'}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <h2>Traces</h2>
    <table class="table narrow-table" data-testid="completeness">
      <tbody>
        <tr><th>Traces</th><td class="num">${stats.traces.count}</td></tr>
        <tr><th>Complete (no orphan span)</th><td class="num">${complete} (${percent(complete, stats.traces.count)})</td></tr>
        <tr><th>With orphan spans</th><td class="num">${stats.traces.withOrphans}</td></tr>
        <tr><th>Spans per trace (mean / max)</th><td class="num">${spanCounts.length === 0 ? '–' : `${(spanCounts.reduce((a, b) => a + b, 0) / spanCounts.length).toFixed(1)} / ${spanCounts.reduce((a, b) => Math.max(a, b), 0)}`}</td></tr>
      </tbody>
    </table>
  </section>`;
}
