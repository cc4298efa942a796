// The trace list: filters (service, root name, minimum duration, errors, cold starts, text
// anywhere in the trace), sortable columns, and a click that opens a trace.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useMemo } from 'preact/hooks';
import type { TraceDetail, TraceSummary } from '../../model';
import { formatMs, formatTime, formatValue, serviceColor } from './format';
import { VirtualRows } from './virtual-rows';

export interface ListFilters {
  service: string;
  name: string;
  minDurationMs: string;
  errors: boolean;
  cold: boolean;
  text: string;
  sort: SortKey;
  descending: boolean;
}

type SortKey = 'startTime' | 'rootName' | 'services' | 'spanCount' | 'durationMs' | 'errorCount' | 'coldStarts';

export const initialFilters: ListFilters = {
  service: '',
  name: '',
  minDurationMs: '',
  errors: false,
  cold: false,
  text: '',
  sort: 'startTime',
  descending: true,
};

const columns: Array<{ key: SortKey; label: string }> = [
  { key: 'startTime', label: 'Start (UTC)' },
  { key: 'rootName', label: 'Root span' },
  { key: 'services', label: 'Services' },
  { key: 'spanCount', label: 'Spans' },
  { key: 'durationMs', label: 'Duration' },
  { key: 'errorCount', label: 'Errors' },
  { key: 'coldStarts', label: 'Cold' },
];

// Built once per trace, on the first text search: everything a user may look for in it.
const haystacks = new WeakMap<TraceSummary, string>();

function haystack(trace: TraceSummary, detail: TraceDetail | undefined): string {
  let text = haystacks.get(trace);
  if (text === undefined) {
    const parts = [trace.traceId, trace.rootName, ...trace.services];
    for (const span of detail?.spans ?? []) {
      parts.push(span.name, span.spanId);
      for (const [key, value] of Object.entries(span.attributes)) parts.push(`${key}=${formatValue(value)}`);
    }
    text = parts.join('\n').toLowerCase();
    haystacks.set(trace, text);
  }
  return text;
}

function compare(key: SortKey, a: TraceSummary, b: TraceSummary): number {
  switch (key) {
    case 'startTime':
      return Date.parse(a.startTime) - Date.parse(b.startTime);
    case 'rootName':
      return a.rootName.localeCompare(b.rootName);
    case 'services':
      return a.services.join(',').localeCompare(b.services.join(','));
    default:
      return a[key] - b[key];
  }
}

function filterTraces(traces: readonly TraceSummary[], details: Record<string, TraceDetail>, f: ListFilters): TraceSummary[] {
  const minMs = Number(f.minDurationMs);
  const name = f.name.trim().toLowerCase();
  const text = f.text.trim().toLowerCase();
  const kept = traces.filter(
    (t) =>
      (f.service === '' || t.services.includes(f.service)) &&
      (name === '' || t.rootName.toLowerCase().includes(name)) &&
      (!(minMs > 0) || t.durationMs >= minMs) &&
      (!f.errors || t.errorCount > 0) &&
      (!f.cold || t.coldStarts > 0) &&
      (text === '' || haystack(t, details[t.traceId]).includes(text)),
  );
  const sign = f.descending ? -1 : 1;
  return kept.sort((a, b) => sign * compare(f.sort, a, b));
}

export function TraceList(props: {
  traces: readonly TraceSummary[];
  details: Record<string, TraceDetail>;
  filters: ListFilters;
  onFilters: (next: ListFilters) => void;
  onOpen: (traceId: string) => void;
}): VNode {
  const { traces, details, filters, onFilters, onOpen } = props;
  const services = useMemo(() => [...new Set(traces.flatMap((t) => t.services))].sort(), [traces]);
  const shown = useMemo(() => filterTraces(traces, details, filters), [traces, details, filters]);
  const set = (patch: Partial<ListFilters>): void => onFilters({ ...filters, ...patch });
  const input = (key: 'name' | 'minDurationMs' | 'text') => (event: Event) => set({ [key]: (event.currentTarget as HTMLInputElement).value });
  const sortBy = (key: SortKey): void => set(filters.sort === key ? { descending: !filters.descending } : { sort: key, descending: true });

  return html`<section class="list">
    <form class="filters" onSubmit=${(event: Event) => event.preventDefault()}>
      <label>Service <select value=${filters.service} onChange=${(event: Event) => set({ service: (event.currentTarget as HTMLSelectElement).value })}>
        <option value="">any</option>
        ${services.map((s) => html`<option value=${s}>${s}</option>`)}
      </select></label>
      <label>Root name <input type="search" value=${filters.name} onInput=${input('name')} placeholder="contains" /></label>
      <label>Min duration (ms) <input type="number" min="0" value=${filters.minDurationMs} onInput=${input('minDurationMs')} class="narrow" /></label>
      <label><input type="checkbox" checked=${filters.errors} onChange=${() => set({ errors: !filters.errors })} /> errors</label>
      <label><input type="checkbox" checked=${filters.cold} onChange=${() => set({ cold: !filters.cold })} /> cold starts</label>
      <label class="grow">Search <input type="search" value=${filters.text} onInput=${input('text')} placeholder="trace id, span name, attribute=value" /></label>
      <span class="count" data-testid="trace-count">${shown.length} of ${traces.length} traces</span>
    </form>
    <div class="grid-head trace-grid" role="row">
      ${columns.map(
        (c) => html`<button type="button" class=${`sort ${filters.sort === c.key ? 'on' : ''}`} onClick=${() => sortBy(c.key)}>
          ${c.label}${filters.sort === c.key ? (filters.descending ? ' ▼' : ' ▲') : ''}
        </button>`,
      )}
    </div>
    ${shown.length === 0
      ? html`<p class="empty">No trace matches these filters.</p>`
      : html`<${VirtualRows}
          class="trace-rows"
          items=${shown}
          rowHeight=${28}
          row=${(t: TraceSummary) => html`<div
            class="trace-grid trace-row"
            role="row"
            tabIndex=${0}
            data-trace-id=${t.traceId}
            onClick=${() => onOpen(t.traceId)}
            onKeyDown=${(event: KeyboardEvent) => event.key === 'Enter' && onOpen(t.traceId)}
          >
            <span class="mono">${formatTime(t.startTime)}</span>
            <span class="name" title=${t.rootName}>${t.rootName}</span>
            <span class="services">${t.services.map((s) => html`<i class="chip" style=${{ background: serviceColor(s) }}>${s}</i>`)}</span>
            <span class="num">${t.spanCount}</span>
            <span class="num">${formatMs(t.durationMs)}</span>
            <span class=${`num ${t.errorCount > 0 ? 'bad' : ''}`}>${t.errorCount}</span>
            <span class=${`num ${t.coldStarts > 0 ? 'cold' : ''}`}>${t.coldStarts}</span>
          </div>`}
        />`}
  </section>`;
}
