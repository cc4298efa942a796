// One span in full: timing, status, attributes, resource, events and links (a link to a
// span of this trace selects it, one to another listed trace opens that trace).
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { LogsQuery } from '../../analysis/logs-link';
import type { PlainValue, TraceSpan } from '../../model';
import { formatMs } from '../../format-duration';
import { formatValue, serviceColor } from './format';
import { LogsLink } from './logs-link';

export function SpanDetails(props: {
  span: TraceSpan;
  hasSpan: (spanId: string) => boolean;
  hasTrace: (traceId: string) => boolean;
  traceId: string;
  onSelect: (spanId: string) => void;
  onOpenTrace: (traceId: string) => void;
  onClose: () => void;
  /** The Logs Insights query of the invocation this span is the root of. */
  logs?: LogsQuery | undefined;
}): VNode {
  const { span, traceId } = props;
  return html`<aside class="details" data-testid="span-details">
    <header>
      <i class="dot" style=${{ background: serviceColor(span.service) }}></i>
      <h3 title=${span.name}>${span.name}</h3>
      <button type="button" class="close" title="Close" onClick=${props.onClose}>×</button>
    </header>
    <${Table}
      rows=${[
        ['service', span.service],
        ['kind', span.kind],
        ['status', span.statusMessage ? `${span.status}: ${span.statusMessage}` : span.status],
        ['start', `+${formatMs(span.startMs)}`],
        ['duration', formatMs(span.durationMs)],
        ['critical path', span.critical ? 'yes' : 'no'],
        ['span id', span.spanId],
        ['parent', parentCell(span.parentSpanId, props)],
      ]}
    />
    ${
      props.logs
        ? html`<h4>Logs of this invocation</h4>
          <pre class="json" data-testid="logs-query">${props.logs.query}</pre>
          <${LogsLink} query=${props.logs} label="Open in CloudWatch Logs Insights" />`
        : null
    }
    <h4>Attributes</h4>
    <${Attributes} values=${span.attributes} />
    <h4>Resource</h4>
    <${Attributes} values=${span.resource} />
    <h4>Events (${span.events.length})</h4>
    ${span.events.map(
      (e) =>
        html`<div class="event"><b>+${formatMs(e.timeMs)}</b> ${e.name}<${Attributes} values=${e.attributes} /></div>`,
    )}
    <h4>Links (${span.links.length})</h4>
    ${span.links.map((link) => {
      const here = link.traceId === traceId && props.hasSpan(link.spanId);
      const elsewhere = !here && props.hasTrace(link.traceId);
      return html`<div class="event">
        ${
          here || elsewhere
            ? html`<button type="button" class="linkish" onClick=${() => (here ? props.onSelect(link.spanId) : props.onOpenTrace(link.traceId))}>
              ${here ? 'span' : 'trace'} ${link.traceId.slice(0, 8)}…/${link.spanId}
            </button>`
            : html`<span class="mono">${link.traceId}/${link.spanId}</span> <span class="muted">(not in this report)</span>`
        }
        <${Attributes} values=${link.attributes} />
      </div>`;
    })}
  </aside>`;
}

/** The parent's id, a link that selects it when it is in this trace. */
function parentCell(
  parentSpanId: string | undefined,
  props: { hasSpan: (spanId: string) => boolean; onSelect: (spanId: string) => void },
): string | VNode {
  if (parentSpanId === undefined) return '(root)';
  if (!props.hasSpan(parentSpanId)) return `${parentSpanId} (never received)`;
  return html`<button type="button" class="linkish" data-testid="parent-link" onClick=${() => props.onSelect(parentSpanId)}>${parentSpanId}</button>`;
}

/** A map or list (OpenTelemetry API 1.10's AnyValue attributes) laid out as indented JSON, a scalar as its text. */
function valueCell(value: PlainValue): string | VNode {
  return value !== null && typeof value === 'object'
    ? html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`
    : formatValue(value);
}

function Attributes(props: { values: Record<string, PlainValue> }): VNode {
  const rows = Object.entries(props.values)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]): [string, string | VNode] => [key, valueCell(value)]);
  return rows.length === 0 ? html`<p class="muted">none</p>` : html`<${Table} rows=${rows} />`;
}

function Table(props: { rows: Array<[string, string | VNode]> }): VNode {
  return html`<table class="kv">
    <tbody>
      ${props.rows.map(([key, value]) => html`<tr><th>${key}</th><td>${value}</td></tr>`)}
    </tbody>
  </table>`;
}
