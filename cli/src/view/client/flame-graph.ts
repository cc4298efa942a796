// The trace as a flame graph (icicle: roots on top, children below, on the trace's time
// axis, parallel siblings on rows of their own). A click zooms to a span and selects it;
// blocks too thin to see are not drawn.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { formatMs } from '../../format-duration';
import { serviceColor } from './format';
import { layoutFlame } from './flame-layout';
import type { SpanNode, TracePaneProps } from './trace-tree';

const blockHeight = 20;
// Blocks narrower than this share of the view (about a pixel) are left out.
const minShare = 0.0008;

export function FlameGraph(props: TracePaneProps): VNode {
  const { detail, tree, selectedId, onSelect } = props;
  const whole = { from: 0, to: Math.max(detail.durationMs, 1e-6) };
  const [view, setView] = useState(whole);
  const layout = useMemo(() => layoutFlame(tree), [tree]);
  const windowMs = view.to - view.from;
  const blocks: VNode[] = [];
  for (const [node, row] of layout.row) {
    const { startMs, durationMs } = node.span;
    if (startMs + durationMs < view.from || startMs > view.to || durationMs / windowMs < minShare) continue;
    const left = Math.max(0, (startMs - view.from) / windowMs);
    const right = Math.min(1, (startMs + durationMs - view.from) / windowMs);
    blocks.push(
      html`<${Block} node=${node} row=${row} left=${left} width=${right - left} selected=${node.span.spanId === selectedId} onPick=${pick} />`,
    );
  }
  function pick(node: SpanNode): void {
    setView({ from: node.span.startMs, to: node.span.startMs + Math.max(node.span.durationMs, 1e-6) });
    onSelect(node.span.spanId);
  }
  const zoomed = view.from !== whole.from || view.to !== whole.to;
  return html`<section class="flame">
    <div class="toolbar">
      <span>${zoomed ? `${formatMs(view.from)} – ${formatMs(view.to)}` : `whole trace, ${formatMs(detail.durationMs)}`}</span>
      <button type="button" disabled=${!zoomed} onClick=${() => setView(whole)}>Reset zoom</button>
      <span class="muted">Click a block to zoom to it. ${tree.orphans.length > 0 ? `${tree.orphans.length} orphan span(s) drawn as roots.` : ''}</span>
    </div>
    <div class="flame-scroll">
      <div class="flame-area" data-testid="flame" style=${{ height: `${layout.rows * blockHeight}px` }}>${blocks}</div>
    </div>
  </section>`;
}

function Block(props: {
  node: SpanNode;
  row: number;
  left: number;
  width: number;
  selected: boolean;
  onPick: (node: SpanNode) => void;
}): VNode {
  const { node, row, left, width, selected } = props;
  const { span } = node;
  const classes = [
    'flame-block',
    span.status === 'error' ? 'err' : '',
    span.critical ? 'critical' : '',
    selected ? 'selected' : '',
  ];
  return html`<div
    class=${classes.join(' ')}
    data-span-id=${span.spanId}
    title=${`${span.service} · ${span.name} · ${formatMs(span.durationMs)}`}
    style=${{ left: `${left * 100}%`, width: `${width * 100}%`, top: `${row * blockHeight}px`, background: serviceColor(span.service, 70) }}
    onClick=${() => props.onPick(node)}
  >${span.name}</div>`;
}
