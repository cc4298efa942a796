// The trace list: the response-time chart (brushing it selects traces), filters (one span's
// service, name, minimum duration, failure and cold start together, a map node or edge, and a
// search box that takes text anywhere in the trace or a span query as the command's --query
// does), sortable columns, and a click that opens a trace.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useMemo } from 'preact/hooks';
import { failureClass } from '../../analysis/failure';
import type { ReportIndex, TraceDetail, TraceSpan, TraceSummary } from '../../model';
import { compile, spansetBits, traceMatches, type CompiledQuery } from '../../query/evaluate';
import { detailFacts } from '../../query/facts';
import { parseQuery, QuerySyntaxError } from '../../query/parse';
import { shorthandQuery } from '../../query/shorthands';
import { inBrush, type Brush } from './brush';
import { DurationChart } from './duration-chart';
import { formatMs } from '../../format-duration';
import { formatTime, formatValue, serviceColor } from './format';
import type { MapPick } from './service-map';
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
  /** The chart's selection. */
  brush: Brush | undefined;
  /** The map node or edge whose traces are listed. */
  pick: MapPick | undefined;
}

type SortKey =
  | 'startTime'
  | 'rootName'
  | 'services'
  | 'spanCount'
  | 'rootDurationMs'
  | 'durationMs'
  | 'errorCount'
  | 'error'
  | 'coldStarts';

export const initialFilters: ListFilters = {
  service: '',
  name: '',
  minDurationMs: '',
  errors: false,
  cold: false,
  text: '',
  sort: 'startTime',
  descending: true,
  brush: undefined,
  pick: undefined,
};

const columns: Array<{ key: SortKey; label: string }> = [
  { key: 'startTime', label: 'Start (UTC)' },
  { key: 'rootName', label: 'Root span' },
  { key: 'services', label: 'Services' },
  { key: 'spanCount', label: 'Spans' },
  { key: 'rootDurationMs', label: 'Response' },
  { key: 'durationMs', label: 'Extent' },
  { key: 'errorCount', label: 'Errors' },
  { key: 'error', label: 'First error' },
  { key: 'coldStarts', label: 'Cold' },
];

/** The first error in a few words: its class (throttle, 4xx, 5xx), where, and what it said. */
function errorLabel(error: TraceSummary['error']): string {
  if (!error) return '';
  const what = [error.httpStatus !== null ? String(error.httpStatus) : '', error.type ?? '', error.message ?? '']
    .filter((p) => p !== '')
    .join(' ');
  return `${error.service} ${error.name}${what ? `: ${what}` : ''}`;
}

// Built once per trace, on the first text search: everything a user may look for in it.
const haystacks = new WeakMap<TraceSummary, string>();

function haystack(trace: TraceSummary, detail: TraceDetail | undefined, groups: readonly SpanGroup[]): string {
  let text = haystacks.get(trace);
  if (text === undefined) {
    // A trace held as a summary only: its ids, names and first error are all there is to find.
    const parts = [
      trace.traceId,
      trace.rootName,
      ...trace.services,
      ...(detail ? [] : groups.map((g) => g.name)),
      trace.error?.message ?? '',
      trace.error?.type ?? '',
    ];
    for (const span of detail?.spans ?? []) {
      parts.push(span.name, span.spanId);
      if (span.statusMessage !== undefined) parts.push(span.statusMessage);
      for (const [key, value] of Object.entries(span.attributes)) parts.push(`${key}=${formatValue(value)}`);
      for (const event of span.events) {
        parts.push(event.name);
        for (const [key, value] of Object.entries(event.attributes)) parts.push(`${key}=${formatValue(value)}`);
      }
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
    case 'error':
      return errorLabel(a.error).localeCompare(errorLabel(b.error));
    case 'rootDurationMs':
      return (a.rootDurationMs ?? -1) - (b.rootDurationMs ?? -1);
    default:
      return a[key] - b[key];
  }
}

/** The search box's text as a span query, when it is one (it starts with "{" or "("). */
export function searchQuery(text: string): { query?: CompiledQuery; error?: string } {
  const trimmed = text.trim();
  if (!/^[{(]/.test(trimmed)) return {};
  try {
    return { query: compile(parseQuery(trimmed)) };
  } catch (error) {
    if (error instanceof QuerySyntaxError)
      return { error: `query does not parse at column ${error.column}: ${error.reason}` };
    throw error;
  }
}

/** The query's answer on a trace held in full, by the evaluator the command uses. */
function queryMatches(query: CompiledQuery, detail: TraceDetail | undefined): boolean {
  let bits = 0;
  for (const span of detail?.spans ?? []) bits |= spansetBits(query, detailFacts(span));
  return traceMatches(query.query, bits);
}

/** Spans of one service and name in a trace, by their longest: what the span filters ask of one span. */
interface SpanGroup {
  service: string;
  name: string;
  longestMs: number;
  /** The one span, when the trace is held in full. */
  span?: TraceSpan;
  /** From the index: the operation's cold starts (`longestMs` the longest of them). */
  cold?: true;
}

/** Each span group of a trace held as its summary, from the index's flat [operation, ms, …]. */
function indexGroups(index: ReportIndex, flat: readonly number[], cold: boolean, into: SpanGroup[]): void {
  for (let i = 0; i < flat.length; i += 2) {
    const { service, name } = index.operations[flat[i]!]!;
    into.push({ service, name, longestMs: flat[i + 1]!, ...(cold ? { cold: true as const } : {}) });
  }
}

/** Each trace's span groups: each span of a trace held in full, else its operations from the index. */
function spanGroups(
  traces: readonly TraceSummary[],
  details: Record<string, TraceDetail>,
  index: ReportIndex | undefined,
): Map<string, SpanGroup[]> {
  const groups = new Map<string, SpanGroup[]>();
  for (const { traceId } of traces) {
    if (Object.hasOwn(details, traceId))
      groups.set(
        traceId,
        details[traceId]!.spans.map((span) => ({
          service: span.service,
          name: span.name,
          longestMs: span.durationMs,
          span,
        })),
      );
    else if (index && Object.hasOwn(index.spanOperations, traceId)) {
      const own: SpanGroup[] = [];
      indexGroups(index, index.spanOperations[traceId]!, false, own);
      if (Object.hasOwn(index.coldOperations, traceId)) indexGroups(index, index.coldOperations[traceId]!, true, own);
      groups.set(traceId, own);
    }
  }
  return groups;
}

function filterTraces(
  traces: readonly TraceSummary[],
  details: Record<string, TraceDetail>,
  groups: ReadonlyMap<string, readonly SpanGroup[]>,
  f: ListFilters,
  search: ReturnType<typeof searchQuery>,
): TraceSummary[] {
  const picked = f.pick ? new Set(f.pick.traces) : undefined;
  const minMs = Number(f.minDurationMs);
  const name = f.name.trim().toLowerCase();
  // The boxes as the command's --errors and --cold, by its own query text and evaluator on a
  // span held in full; a trace held as its summary has no failed span (report-detail.ts), and
  // its cold starts are in the index.
  const flagsText = shorthandQuery({ errors: f.errors, cold: f.cold });
  const flags = flagsText === undefined ? undefined : compile(parseQuery(flagsText));
  const flagsMet = (g: SpanGroup): boolean =>
    !flags || (g.span ? spansetBits(flags, detailFacts(g.span)) !== 0 : !f.errors && g.cold === true);
  // As the command's --service, --name, --min-duration, --errors and --cold: one span meets all that are given.
  const spanMatches = (g: SpanGroup): boolean =>
    (f.service === '' || g.service === f.service) &&
    (name === '' || g.name.toLowerCase().includes(name)) &&
    (!(minMs > 0) || g.longestMs >= minMs) &&
    flagsMet(g);
  const bySpan = f.service !== '' || name !== '' || minMs > 0 || flags !== undefined;
  // A query (or one being typed that does not parse yet) is not text to look for.
  const { query } = search;
  const text = query || search.error ? '' : f.text.trim().toLowerCase();
  const kept = traces.filter(
    (t, i) =>
      (!picked || picked.has(i)) &&
      (!f.brush || inBrush(f.brush, t, Date.parse(t.startTime))) &&
      (!bySpan || (groups.get(t.traceId) ?? []).some(spanMatches)) &&
      (text === '' || haystack(t, details[t.traceId], groups.get(t.traceId) ?? []).includes(text)) &&
      (!query || queryMatches(query, details[t.traceId])),
  );
  const sign = f.descending ? -1 : 1;
  return kept.sort((a, b) => sign * compare(f.sort, a, b));
}

export function TraceList(props: {
  traces: readonly TraceSummary[];
  details: Record<string, TraceDetail>;
  index: ReportIndex | undefined;
  filters: ListFilters;
  onFilters: (next: ListFilters) => void;
  onOpen: (traceId: string) => void;
}): VNode {
  const { traces, details, index, filters, onFilters, onOpen } = props;
  const services = useMemo(() => [...new Set(traces.flatMap((t) => t.services))].sort(), [traces]);
  const search = useMemo(() => searchQuery(filters.text), [filters.text]);
  const groups = useMemo(() => spanGroups(traces, details, index), [traces, details, index]);
  const shown = useMemo(
    () => filterTraces(traces, details, groups, filters, search),
    [traces, details, groups, filters, search],
  );
  const summariesOnly = index ? Object.keys(index.spanOperations).length : 0;
  const set = (patch: Partial<ListFilters>): void => onFilters({ ...filters, ...patch });
  const input = (key: 'name' | 'minDurationMs' | 'text') => (event: Event) =>
    set({ [key]: (event.currentTarget as HTMLInputElement).value });
  const sortBy = (key: SortKey): void =>
    set(filters.sort === key ? { descending: !filters.descending } : { sort: key, descending: true });

  return html`<section class="list">
    ${traces.length > 0 ? html`<${DurationChart} traces=${traces} shown=${shown} brush=${filters.brush} onBrush=${(brush: Brush | undefined) => set({ brush })} />` : null}
    <form class="filters" onSubmit=${(event: Event) => event.preventDefault()}>
      <label title="a span of this service, with the name and duration given, as the command's --service">Service <select value=${filters.service} onChange=${(event: Event) => set({ service: (event.currentTarget as HTMLSelectElement).value })}>
        <option value="">any</option>
        ${services.map((s) => html`<option value=${s}>${s}</option>`)}
      </select></label>
      <label title="a span whose name contains this (any case), of the service and duration given, as the command's --name">Span name <input type="search" value=${filters.name} onInput=${input('name')} placeholder="contains" /></label>
      <label title="a span lasting at least this, of the service and name given, as the command's --min-duration">Min span duration (ms) <input type="number" min="0" value=${filters.minDurationMs} onInput=${input('minDurationMs')} class="narrow" /></label>
      <label title="a failed span, of the service, name and duration given, as the command's --errors"><input type="checkbox" checked=${filters.errors} onChange=${() => set({ errors: !filters.errors })} /> errors</label>
      <label title="a cold start (a span with faas.coldstart true), of the service, name and duration given, as the command's --cold"><input type="checkbox" checked=${filters.cold} onChange=${() => set({ cold: !filters.cold })} /> cold starts</label>
      <label class="grow">Search <input type="search" value=${filters.text} onInput=${input('text')} placeholder='text (id, name, attribute=value, error message, event), or a query: { duration > 500ms && status = error }' /></label>
      ${search.error ? html`<span class="bad" data-testid="query-error">${search.error}</span>` : null}
      ${
        search.query && summariesOnly > 0
          ? html`<span class="muted" title="the report holds failed, slow and sampled traces in full, the others as their summary row">the query reads the ${traces.length - summariesOnly} traces held in full</span>`
          : null
      }
      ${
        filters.pick
          ? html`<span class="pick" data-testid="map-pick">traces through ${filters.pick.label} <button type="button" title="Show all traces" onClick=${() => set({ pick: undefined })}>×</button></span>`
          : null
      }
      <span class="count" data-testid="trace-count">${shown.length} of ${traces.length} traces</span>
    </form>
    <div class="grid-head trace-grid" role="row">
      ${columns.map(
        (
          c,
        ) => html`<button type="button" class=${`sort ${filters.sort === c.key ? 'on' : ''}`} onClick=${() => sortBy(c.key)}>
          ${c.label}${filters.sort === c.key ? (filters.descending ? ' ▼' : ' ▲') : ''}
        </button>`,
      )}
    </div>
    ${
      shown.length === 0
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
            <span class="name" title=${t.rootMissing ? `the root span never arrived; named after its first orphan, ${t.rootName}` : t.rootName}>
              ${t.rootMissing ? html`<b class="badge orphan">no root</b> ` : null}${t.rootName}
            </span>
            <span class="services">${t.services.map((s) => html`<i class="chip" style=${{ background: serviceColor(s) }}>${s}</i>`)}</span>
            <span class="num">${t.spanCount}</span>
            <span class="num">${t.rootDurationMs === null ? '–' : formatMs(t.rootDurationMs)}</span>
            <span class="num">${formatMs(t.durationMs)}</span>
            <span class=${`num ${t.errorCount > 0 ? 'bad' : ''}`}>${t.errorCount}</span>
            <span class="name first-error" title=${errorLabel(t.error)}>
              ${t.error ? html`<b class=${`badge fail-${failureClass(t.error)}`}>${failureClass(t.error)}</b> ${errorLabel(t.error)}` : null}
            </span>
            <span class=${`num ${t.coldStarts > 0 ? 'cold' : ''}`}>${t.coldStarts}</span>
          </div>`}
        />`
    }
  </section>`;
}
