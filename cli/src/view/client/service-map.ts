// The service map drawn as a graph: a node per service (requests it served, errors, p95) and an arrow
// per caller → callee, solid for synchronous calls and dashed for asynchronous hops.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useMemo } from 'preact/hooks';
import type { ServiceMap } from '../../model';
import { formatMs, serviceColor } from './format';
import { layoutMap, nodeHeight, nodeWidth } from './map-layout';

export function ServiceMapView(props: { map: ServiceMap }): VNode {
  const layout = useMemo(() => layoutMap(props.map), [props.map]);
  if (layout.nodes.length === 0) return html`<p class="empty">No service in this report.</p>`;
  return html`<section class="map">
    <p class="legend">
      <svg width="40" height="10"><line x1="0" y1="5" x2="40" y2="5" class="edge sync" /></svg> synchronous call
      <svg width="40" height="10"><line x1="0" y1="5" x2="40" y2="5" class="edge async" /></svg> asynchronous hop (queue, topic, bus, link)
      · labels: calls · errors · p95
    </p>
    <svg
      class="map-svg"
      data-testid="service-map"
      viewBox=${`0 0 ${layout.width} ${layout.height}`}
      style=${{ width: `min(100%, ${layout.width}px)` }}
    >
      <defs>
        <marker id="arrow-sync" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto"><path d="M0,0 L10,5 L0,10 z" class="head sync" /></marker>
        <marker id="arrow-async" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto"><path d="M0,0 L10,5 L0,10 z" class="head async" /></marker>
      </defs>
      ${layout.edges.map(
        (e) => html`<g class="map-edge" data-from=${e.from} data-to=${e.to} data-kind=${e.kind}>
          <path d=${e.path} class=${`edge ${e.kind} ${e.errors > 0 ? 'bad' : ''}`} marker-end=${`url(#arrow-${e.kind})`} />
          <text x=${e.labelX} y=${e.labelY} class="edge-label">${e.count}× · ${e.errors} err · ${formatMs(e.p95Ms)}</text>
        </g>`,
      )}
      ${layout.nodes.map(
        (n) => html`<g class="map-node" data-service=${n.service} data-kind=${n.kind} transform=${`translate(${n.x} ${n.y})`}>
          <rect width=${nodeWidth} height=${nodeHeight} rx="8" class=${n.errors > 0 ? 'bad' : ''} />
          <rect width="8" height=${nodeHeight} rx="4" style=${{ fill: n.kind === 'service' ? serviceColor(n.service) : '#9aa3b5' }} />
          <text x="18" y="24" class="node-name">${n.kind === 'service' ? '' : `${n.kind} `}${clip(n.name)}<title>${n.kind === 'service' ? n.name : `${n.kind} ${n.name}`}</title></text>
          <text x="18" y="46" class="node-stats">${n.count} ${n.kind === 'service' ? 'requests' : 'calls'} · ${n.errors} err · p95 ${formatMs(n.p95Ms)}</text>
        </g>`,
      )}
    </svg>
  </section>`;
}

function clip(text: string): string {
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}
