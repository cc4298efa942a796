// A link from the report to a trace's or an invocation's log lines (cli/src/analysis/logs-link.ts).
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { LogsQuery } from '../../analysis/logs-link';

/** The console's Logs Insights page with the query set; the query itself when no region says where. */
export function LogsLink(props: { query: LogsQuery; label: string }): VNode {
  const { query } = props;
  return query.url
    ? html`<a class="logs-link" data-testid="logs-link" href=${query.url} target="_blank" rel="noopener noreferrer" title=${query.query}>${props.label}</a>`
    : html`<span class="muted" title=${query.query}>${props.label}: no cloud.region</span>`;
}
