// A trace's waterfall: the span tree with collapse, offsets and duration bars coloured by
// service, the critical path, error / cold-start / async markers, orphans apart, and a
// search that walks through the matching spans.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { formatMs } from '../../format-duration';
import { serviceColor } from './format';
import { ancestors, searchSpans, visibleRows, type Row, type SpanNode, type TracePaneProps } from './trace-tree';
import { VirtualRows } from './virtual-rows';

const rowHeight = 26;
// Past this depth, or 40% of the name column (a narrow one, with the span panel open), the
// indentation stops growing, so a deep chain keeps its names readable. The column is
// max(260px, 38%) of the row (styles.ts), and a padding's percentage is of the row.
const maxIndent = 32;
const indentCap = 'max(104px, 15.2%)';
const ticks = [0, 0.25, 0.5, 0.75, 1];
// Where a bar's duration label fits (shares of the time axis, in %): after a bar ending before
// LABEL_AFTER, before one starting at or past LABEL_BEFORE.
const LABEL_AFTER = 80;
const LABEL_BEFORE = 15;

export function Waterfall(props: TracePaneProps): VNode {
  const { detail, tree, selectedId, onSelect } = props;
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(0);
  const rows = useMemo(() => visibleRows(tree, collapsed), [tree, collapsed]);
  const matches = useMemo(() => searchSpans(tree, query), [tree, query]);
  const matchSet = useMemo(() => new Set(matches), [matches]);
  const total = detail.durationMs > 0 ? detail.durationMs : 1;

  const toggle = (spanId: string): void => {
    const next = new Set(collapsed);
    if (!next.delete(spanId)) next.add(spanId);
    setCollapsed(next);
  };
  const reveal = (index: number): void => {
    const spanId = matches[index];
    const node = spanId === undefined ? undefined : tree.byId.get(spanId);
    if (!node) return;
    setCurrent(index);
    const hidden = ancestors(node).filter((id) => collapsed.has(id));
    if (hidden.length > 0) {
      const next = new Set(collapsed);
      for (const id of hidden) next.delete(id);
      setCollapsed(next);
    }
    onSelect(node.span.spanId);
  };
  const step = (by: number): void => {
    if (matches.length > 0) reveal((current + by + matches.length) % matches.length);
  };
  const selectedIndex = rows.findIndex((r) => r.kind === 'span' && r.node.span.spanId === selectedId);

  // Rows are renewed on every scrolled frame: their clicks and keys are read here, from the
  // row's span id, rather than by listeners of each row's own.
  const rowSpanId = (event: Event): string | undefined =>
    (event.target as HTMLElement).closest<HTMLElement>('.wf-row')?.dataset['spanId'];
  const onRowClick = (event: MouseEvent): void => {
    const spanId = rowSpanId(event);
    if (spanId === undefined) return;
    if ((event.target as HTMLElement).closest('button.toggle')) toggle(spanId);
    else onSelect(spanId);
  };
  const onRowKey = (event: KeyboardEvent): void => {
    const spanId = rowSpanId(event);
    if (spanId !== undefined && event.key === 'Enter' && (event.target as HTMLElement).classList.contains('wf-row'))
      onSelect(spanId);
  };

  return html`<section class="waterfall">
    <div class="toolbar">
      <input
        type="search"
        class="wf-search"
        placeholder="Find in trace: name, service, span id, attribute"
        value=${query}
        onInput=${(event: Event) => {
          setQuery((event.currentTarget as HTMLInputElement).value);
          setCurrent(0);
        }}
        onKeyDown=${(event: KeyboardEvent) => {
          if (event.key === 'Enter') step(event.shiftKey ? -1 : matches[current] === selectedId ? 1 : 0);
        }}
      />
      <span class="count" data-testid="match-count">${query.trim() === '' ? '' : `${matches.length === 0 ? 0 : current + 1} / ${matches.length} matches`}</span>
      <button type="button" disabled=${matches.length === 0} onClick=${() => step(-1)}>↑</button>
      <button type="button" disabled=${matches.length === 0} onClick=${() => step(matches[current] === selectedId ? 1 : 0)}>↓</button>
      <button type="button" onClick=${() => setCollapsed(new Set())}>Expand all</button>
      <button
        type="button"
        onClick=${() => setCollapsed(new Set([...tree.byId.values()].filter((n) => n.children.length > 0 && n.depth > 0).map((n) => n.span.spanId)))}
      >Collapse all</button>
      <span class="legend"><i class="bar-key crit"></i> critical path <b class="badge err">ERR</b> error <b class="badge cold">COLD</b> cold start <b class="badge async">ASYNC</b> async hop <b class="badge link">LINK</b> span link</span>
    </div>
    <div class="wf-grid wf-head">
      <div class="wf-name">Service · span</div>
      <div class="wf-time">${ticks.map((t) => html`<span class="tick" style=${{ left: `${t * 100}%` }}>${formatMs(t * detail.durationMs)}</span>`)}</div>
    </div>
    <${VirtualRows}
      class="wf-rows"
      items=${rows}
      rowHeight=${rowHeight}
      revealIndex=${selectedIndex}
      onClick=${onRowClick}
      onKeyDown=${onRowKey}
      row=${(row: Row) =>
        row.kind === 'orphans'
          ? html`<div class="wf-orphans">Orphans: ${row.count} span${row.count === 1 ? '' : 's'} whose parent was never received</div>`
          : html`<${SpanRow}
              node=${row.node}
              total=${total}
              collapsed=${collapsed.has(row.node.span.spanId)}
              selected=${row.node.span.spanId === selectedId}
              match=${matchSet.has(row.node.span.spanId)}
            />`}
    />
  </section>`;
}

function SpanRow(props: {
  node: SpanNode;
  total: number;
  collapsed: boolean;
  selected: boolean;
  match: boolean;
}): VNode {
  const { node, total, collapsed, selected, match } = props;
  const { span } = node;
  const left = Math.min(100, (span.startMs / total) * 100);
  const width = Math.min(100 - left, (span.durationMs / total) * 100);
  // The duration goes after the bar, else before it, else (a bar across the whole axis) inside
  // it: never out of the time column, where it would run over the name column's badges.
  const place = left + width <= LABEL_AFTER ? 'after' : left >= LABEL_BEFORE ? 'before' : 'inside';
  const labelStyle =
    place === 'after'
      ? { left: `${left + width}%` }
      : place === 'before'
        ? { right: `${100 - left}%` }
        : { left: `${left}%` };
  const color = serviceColor(span.service);
  const classes = [
    'wf-grid',
    'wf-row',
    selected ? 'selected' : '',
    match ? 'match' : '',
    span.critical ? 'critical' : '',
  ];
  // The service colour once, as a variable the dot and the bar read.
  return html`<div class=${classes.join(' ')} tabIndex=${0} data-span-id=${span.spanId}>
    <div class="wf-name" style=${{ paddingLeft: `min(${Math.min(node.depth, maxIndent) * 12 + 4}px, ${indentCap})` }} title=${node.depth > 0 ? `depth ${node.depth}` : undefined}>
      ${
        node.children.length > 0
          ? html`<button type="button" class="toggle" title=${collapsed ? 'Expand' : 'Collapse'}>${collapsed ? '▸' : '▾'}</button>`
          : html`<span class="toggle"></span>`
      }
      <i class="dot" style=${{ background: color }}></i>
      <span class="svc">${span.service}</span>
      <span class="span-name" title=${span.name}>${span.name}</span>
      ${span.status === 'error' ? html`<b class="badge err">ERR</b>` : null}
      ${node.coldStart ? html`<b class="badge cold">COLD</b>` : null}
      ${node.asyncHop ? html`<b class="badge async" title=${`from ${node.parent?.span.service ?? ''}`}>ASYNC</b>` : null}
      ${span.links.length > 0 ? html`<b class="badge link">LINK ${span.links.length}</b>` : null}
      ${collapsed ? html`<span class="hidden-count">+${countBelow(node)}</span>` : null}
    </div>
    <div class="wf-time">
      <div
        class=${`bar ${span.critical ? 'crit' : ''} ${span.status === 'error' ? 'err' : ''}`}
        style=${{ left: `${left}%`, width: `max(${width}%, 2px)`, background: color }}
      ></div>
      <span class=${`dur ${place}`} style=${labelStyle}>${formatMs(span.durationMs)}</span>
    </div>
  </div>`;
}

function countBelow(node: SpanNode): number {
  let count = 0;
  const stack = [...node.children];
  for (let next = stack.pop(); next; next = stack.pop()) {
    count++;
    stack.push(...next.children);
  }
  return count;
}
