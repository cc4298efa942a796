// The stats tables: operations with p50/p95/p99 and links to their slowest and failed traces,
// functions with cold starts (linked) and init time, and trace completeness. A click on an
// operation shows its requests, errors and p95 per time bucket (stats' timeline).
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import type { ReportIndex, Stats, TraceSummary } from '../../model';
import { formatMs } from '../../format-duration';
import { formatTime, percent, serviceColor } from './format';

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

const operationKey = (o: { service: string; name: string }): string => `${o.service}\u0000${o.name}`;

/** Links to example traces: the first named by `label`, the others by their rank. */
function Examples(props: {
  ids: readonly string[] | undefined;
  label: string;
  onOpen: (traceId: string) => void;
}): VNode | null {
  const { ids, label, onOpen } = props;
  if (!ids || ids.length === 0) return null;
  return html`<span class="examples" data-testid=${`examples-${label}`}>
    ${ids.map((id, i) => html`<button type="button" class="linkish" title=${`open trace ${id}`} data-trace-id=${id} onClick=${() => onOpen(id)}>${i === 0 ? label : String(i + 1)}</button>`)}
  </span>`;
}

export function StatsView(props: {
  stats: Stats;
  traces: readonly TraceSummary[];
  index: ReportIndex | undefined;
  onOpen: (traceId: string) => void;
}): VNode {
  const { stats, traces, index, onOpen } = props;
  const [sort, setSort] = useState<{ key: OperationKey; descending: boolean }>({ key: 'p95Ms', descending: true });
  const [picked, setPicked] = useState<{ service: string; name: string } | undefined>(undefined);
  const examples = new Map((index?.operations ?? []).map((o) => [operationKey(o), o]));
  const coldStarts = new Map((index?.functions ?? []).map((f) => [f.service, f.coldStarts]));
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
    <p class="muted">Percentiles are exact (nearest rank) on the spans read. Click an operation for its requests, errors and p95 over time.</p>
    <table class="table" data-testid="operations">
      <thead><tr>
        ${operationColumns.map(
          (c) => html`<th class=${c.ms || c.key === 'count' || c.key === 'errors' ? 'num' : ''}>
            <button type="button" class="sort" onClick=${() => setSort({ key: c.key, descending: sort.key === c.key ? !sort.descending : true })}>
              ${c.label}${sort.key === c.key ? (sort.descending ? ' ▼' : ' ▲') : ''}
            </button>
          </th>`,
        )}
        ${index ? html`<th>Examples</th>` : null}
      </tr></thead>
      <tbody>
        ${operations.map(
          (
            o,
          ) => html`<tr class=${`operation ${picked && operationKey(picked) === operationKey(o) ? 'picked' : ''}`} onClick=${() => setPicked(o)}>
            <td><i class="dot" style=${{ background: serviceColor(o.service) }}></i>${o.service}</td>
            <td>${o.name}</td>
            <td class="num">${o.count}</td>
            <td class=${`num ${o.errors > 0 ? 'bad' : ''}`}>${o.errors}</td>
            <td class="num">${formatMs(o.p50Ms)}</td>
            <td class="num">${formatMs(o.p95Ms)}</td>
            <td class="num">${formatMs(o.p99Ms)}</td>
            ${
              index
                ? html`<td onClick=${(event: Event) => event.stopPropagation()}>
                  <${Examples} ids=${examples.get(operationKey(o))?.slowest} label="slowest" onOpen=${onOpen} />
                  <${Examples} ids=${examples.get(operationKey(o))?.failed} label="failed" onOpen=${onOpen} />
                </td>`
                : null
            }
          </tr>`,
        )}
      </tbody>
    </table>
    ${picked ? html`<${OperationTimeline} timeline=${stats.timeline} operation=${picked} onClose=${() => setPicked(undefined)} />` : null}
    <h2>Functions</h2>
    <table class="table" data-testid="functions">
      <thead><tr><th>Service</th><th class="num">Invocations</th><th class="num">Cold starts</th><th class="num">Cold-start rate</th><th class="num">Init p50</th><th class="num">Init p95</th>${index ? html`<th>Examples</th>` : null}</tr></thead>
      <tbody>
        ${stats.functions.map(
          (f) => html`<tr>
            <td><i class="dot" style=${{ background: serviceColor(f.service) }}></i>${f.service}</td>
            <td class="num">${f.invocations}</td>
            <td class="num">${f.coldStarts}</td>
            <td class="num">${percent(f.coldStarts, f.invocations)}</td>
            <td class="num" title=${f.initP50Ms === null ? 'no init span was read (plain OpenTelemetry instrumentation records none)' : ''}>${f.initP50Ms !== null ? formatMs(f.initP50Ms) : '–'}</td>
            <td class="num">${f.initP95Ms !== null ? formatMs(f.initP95Ms) : '–'}</td>
            ${index ? html`<td><${Examples} ids=${coldStarts.get(f.service)} label="cold starts" onOpen=${onOpen} /></td>` : null}
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

/** The timeline's step: the smallest gap between its buckets' starts (undefined with one bucket). */
function stepOf(timeline: Stats['timeline']): number | undefined {
  const starts = [...new Set(timeline.map((b) => Date.parse(b.start)))].sort((a, b) => a - b);
  let step: number | undefined;
  for (let i = 1; i < starts.length; i++) step = Math.min(step ?? Infinity, starts[i]! - starts[i - 1]!);
  return step;
}

function stepName(stepMs: number | undefined): string {
  if (stepMs === undefined) return 'bucket';
  if (stepMs === 60_000) return 'minute';
  return stepMs % 60_000 === 0 ? `${stepMs / 60_000} minutes` : `${stepMs / 1000} s`;
}

function OperationTimeline(props: {
  timeline: Stats['timeline'];
  operation: { service: string; name: string };
  onClose: () => void;
}): VNode {
  const { timeline, operation } = props;
  const rows = timeline.filter((b) => b.service === operation.service && b.name === operation.name);
  const most = {
    count: Math.max(1, ...rows.map((r) => r.count)),
    errors: Math.max(1, ...rows.map((r) => r.errors)),
    p95Ms: Math.max(1e-6, ...rows.map((r) => r.p95Ms)),
  };
  const bar = (value: number, max: number, kind: string): VNode =>
    html`<i class=${`tbar ${kind}`} style=${{ width: value > 0 ? `max(2px, ${(value / max) * 100}%)` : '0' }}></i>`;
  return html`<div class="timeline" data-testid="timeline">
    <h2>
      <i class="dot" style=${{ background: serviceColor(operation.service) }}></i>${operation.service} ${operation.name}: per ${stepName(stepOf(timeline))}
      <button type="button" class="close" title="Close" onClick=${props.onClose}>×</button>
    </h2>
    ${
      rows.length === 0
        ? html`<p class="muted">No timeline in this report.</p>`
        : html`<table class="table">
          <thead><tr><th>Start (UTC)</th><th class="num">Requests</th><th></th><th class="num">Errors</th><th></th><th class="num">p95</th><th></th></tr></thead>
          <tbody>
            ${rows.map(
              (r) => html`<tr>
                <td class="mono">${formatTime(r.start)}</td>
                <td class="num">${r.count}</td><td class="tcell">${bar(r.count, most.count, 'count')}</td>
                <td class=${`num ${r.errors > 0 ? 'bad' : ''}`}>${r.errors}</td><td class="tcell">${bar(r.errors, most.errors, 'errors')}</td>
                <td class="num">${formatMs(r.p95Ms)}</td><td class="tcell">${bar(r.p95Ms, most.p95Ms, 'p95')}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
    }
  </div>`;
}
