// The page: a header, tabs (traces, the open trace, service map, stats) kept in the URL's
// hash so the browser's back button and a bookmarked link work.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { TraceSummary, ViewData } from '../../model';
import { SAMPLE_EVERY } from '../../analysis/report-detail';
import { formatMs } from '../../format-duration';
import { formatTime } from './format';
import { ServiceMapView, type MapPick } from './service-map';
import { StatsView } from './stats-view';
import { initialFilters, TraceList, type ListFilters } from './trace-list';
import { TraceView, tracePanes, type TracePane } from './trace-view';

/** `against`: the trace the compare pane compares the open one with. */
type Route =
  | { tab: 'traces' }
  | { tab: 'map' }
  | { tab: 'stats' }
  | { tab: 'trace'; traceId: string; pane: TracePane; against?: string };

function parseRoute(hash: string): Route {
  const [tab, id, pane, against] = hash.replace(/^#\/?/, '').split('/');
  if (tab === 'trace' && id)
    return {
      tab,
      traceId: decodeURIComponent(id),
      pane: tracePanes.find((p) => p === pane) ?? 'waterfall',
      ...(against ? { against: decodeURIComponent(against) } : {}),
    };
  if (tab === 'map' || tab === 'stats') return { tab };
  return { tab: 'traces' };
}

function routeHash(route: Route): string {
  if (route.tab !== 'trace') return `#/${route.tab}`;
  const against =
    route.pane === 'compare' && route.against !== undefined ? `/${encodeURIComponent(route.against)}` : '';
  return `#/trace/${encodeURIComponent(route.traceId)}/${route.pane}${against}`;
}

export function App(props: { data: ViewData }): VNode {
  const { data } = props;
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  const [filters, setFilters] = useState<ListFilters>(initialFilters);
  const [lastTrace, setLastTrace] = useState<string | undefined>(undefined);
  const summaries = useMemo(() => new Map(data.traces.map((t) => [t.traceId, t])), [data]);

  useEffect(() => {
    const follow = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  useEffect(() => {
    if (route.tab === 'trace') setLastTrace(route.traceId);
  }, [route]);

  const go = (next: Route): void => {
    location.hash = routeHash(next);
  };
  const open = (traceId: string): void => go({ tab: 'trace', traceId, pane: 'waterfall' });
  const openId = route.tab === 'trace' ? route.traceId : lastTrace;
  // Trace ids come from the data: look them up as own keys only ("constructor" is no trace).
  const hasTrace = (id: string): boolean => Object.hasOwn(data.details, id);
  const detail = route.tab === 'trace' && hasTrace(route.traceId) ? data.details[route.traceId] : undefined;
  const summaryOnly = route.tab === 'trace' && !detail ? summaries.get(route.traceId) : undefined;
  const listThrough = (pick: MapPick): void => {
    setFilters({ ...filters, pick });
    go({ tab: 'traces' });
  };

  return html`<div class="app">
    <header class="top">
      <h1>hoptrace</h1>
      <span>${data.source}</span>
      <span class="muted">generated ${formatTime(data.generatedAt)} UTC</span>
      <span class="muted">${data.traces.length} traces</span>
      ${
        data.skipped.records > 0
          ? html`<span class="bad" title=${data.skipped.firstReason ?? ''}>${data.skipped.records} unreadable records skipped${data.skipped.firstReason ? `: ${data.skipped.firstOrigin ? `${data.skipped.firstOrigin}: ` : ''}${data.skipped.firstReason}` : ''}</span>`
          : null
      }
    </header>
    <nav class="tabs">
      <button type="button" class=${route.tab === 'traces' ? 'on' : ''} onClick=${() => go({ tab: 'traces' })}>Traces</button>
      ${
        openId !== undefined
          ? html`<button type="button" class=${route.tab === 'trace' ? 'on' : ''} onClick=${() => go({ tab: 'trace', traceId: openId, pane: 'waterfall' })}>
            Trace ${openId.slice(0, 8)}
          </button>`
          : null
      }
      <button type="button" class=${route.tab === 'map' ? 'on' : ''} onClick=${() => go({ tab: 'map' })}>Service map</button>
      <button type="button" class=${route.tab === 'stats' ? 'on' : ''} onClick=${() => go({ tab: 'stats' })}>Stats</button>
    </nav>
    <main>
      ${
        route.tab === 'traces'
          ? html`<${TraceList} traces=${data.traces} details=${data.details} index=${data.index} filters=${filters} onFilters=${setFilters} onOpen=${open} />`
          : route.tab === 'map'
            ? html`<${ServiceMapView} map=${data.map} index=${data.index} onListTraces=${listThrough} />`
            : route.tab === 'stats'
              ? html`<${StatsView} stats=${data.stats} traces=${data.traces} index=${data.index} onOpen=${open} />`
              : detail
                ? html`<${TraceView}
                  key=${route.traceId}
                  detail=${detail}
                  summary=${summaries.get(route.traceId)}
                  pane=${route.pane}
                  onPane=${(pane: TracePane) => go({ ...route, pane })}
                  hasTrace=${hasTrace}
                  onOpenTrace=${open}
                  against=${route.against}
                  onAgainst=${(against: string) => go({ ...route, pane: 'compare', against })}
                  report=${data}
                />`
                : summaryOnly
                  ? html`<${SummaryOnly} summary=${summaryOnly} />`
                  : html`<p class="empty">Trace ${route.traceId} is not in this report.</p>`
      }
    </main>
  </div>`;
}

/** A listed trace the report holds as its summary row only (neither failed, slow nor sampled). */
function SummaryOnly(props: { summary: TraceSummary }): VNode {
  const { summary } = props;
  return html`<section class="summary-only" data-testid="summary-only">
    <h2>${summary.rootName} <span class="mono">${summary.traceId}</span></h2>
    <p>
      ${formatTime(summary.startTime)} UTC · response ${summary.rootDurationMs === null ? '–' : formatMs(summary.rootDurationMs)} · extent ${formatMs(summary.durationMs)} ·
      ${summary.spanCount} spans · ${summary.services.join(', ')}
    </p>
    <p class="muted">
      This report holds its spans only for the traces that need them (failed, slow, the stats' examples, and one in ${SAMPLE_EVERY} of the others), so that it stays small enough to mail.
      This trace is held as its summary: read it in full with <code>hoptrace trace ${summary.traceId}</code> on the same source.
    </p>
  </section>`;
}
