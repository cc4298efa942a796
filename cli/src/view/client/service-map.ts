// The service map drawn as a graph: a node per service or dependency (requests it served or
// calls it took, errors, p95) and an arrow per caller → callee, solid for synchronous calls and
// dashed for asynchronous hops. A click on a node or an edge shows its failures by class and its
// latency histogram, and lists its traces.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { FailureSplit, MapElementIndex, ReportIndex, ServiceMap } from '../../model';
import { formatMs } from '../../format-duration';
import { serviceColor } from './format';
import { Histogram } from './histogram-bars';
import { layoutMap, nodeHeight, nodeWidth } from './map-layout';

type MapEdge = ServiceMap['edges'][number];
type MapNode = ServiceMap['nodes'][number];

/** A map element the trace list can be narrowed to. */
export interface MapPick {
  label: string;
  /** Indexes into the report's traces. */
  traces: readonly number[];
}

type Selected = { node: MapNode } | { edge: MapEdge };

/** Failures by class, where the spans said which: `2 throttled · 1 4xx`. */
function splitText(split: FailureSplit | undefined): string {
  if (!split) return '';
  return [
    split.throttle > 0 ? `${split.throttle} throttled` : '',
    split['4xx'] > 0 ? `${split['4xx']} 4xx` : '',
    split['5xx'] > 0 ? `${split['5xx']} 5xx` : '',
  ]
    .filter((p) => p !== '')
    .join(' · ');
}

const edgeId = (e: Pick<MapEdge, 'from' | 'to' | 'kind'>): string => `${e.from}\u0000${e.to}\u0000${e.kind}`;

function edgeLabel(edge: MapEdge): string {
  const kinds = splitText(edge.failures);
  return `${edge.count}× · ${edge.errors} err${kinds ? ` (${kinds})` : ''} · ${formatMs(edge.p95Ms)}`;
}

// An 11px label's width, a little generous: the layout keeps this much clear of nodes.
const labelWidth = (text: string): number => text.length * 6.3 + 10;

const nodeLabel = (n: MapNode): string => (n.kind === 'service' ? n.name : `${n.kind} ${n.name}`);

export function ServiceMapView(props: {
  map: ServiceMap;
  index: ReportIndex | undefined;
  onListTraces: (pick: MapPick) => void;
}): VNode {
  const { map, index } = props;
  const nodeIndex = useMemo(() => new Map((index?.nodes ?? []).map((n) => [n.service, n])), [index]);
  const edgeIndex = useMemo(() => new Map((index?.edges ?? []).map((e) => [edgeId(e), e])), [index]);
  const layout = useMemo(() => layoutMap(map, (e) => labelWidth(edgeLabel(e))), [map]);
  const [selected, setSelected] = useState<Selected | undefined>(undefined);
  if (layout.nodes.length === 0) return html`<p class="empty">No service in this report.</p>`;
  const isSelected = (s: Selected): boolean =>
    selected !== undefined &&
    ('node' in s && 'node' in selected
      ? s.node.service === selected.node.service
      : 'edge' in s && 'edge' in selected && edgeId(s.edge) === edgeId(selected.edge));
  return html`<section class="map">
    <p class="legend">
      <svg width="40" height="10"><line x1="0" y1="5" x2="40" y2="5" class="edge sync" /></svg> synchronous call
      <svg width="40" height="10"><line x1="0" y1="5" x2="40" y2="5" class="edge async" /></svg> asynchronous hop (queue, topic, bus, link)
      · labels: calls · errors · p95 · click a node or an edge for its latency and its traces
    </p>
    <div class="map-body">
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
          (e) => html`<g
            class=${`map-edge ${isSelected({ edge: e }) ? 'picked' : ''}`}
            data-from=${e.from}
            data-to=${e.to}
            data-kind=${e.kind}
            onClick=${() => setSelected({ edge: e })}
          >
            <path d=${e.path} class="edge-hit" />
            <path d=${e.path} class=${`edge ${e.kind} ${e.errors > 0 ? 'bad' : ''}`} marker-end=${`url(#arrow-${e.kind})`} />
            <text x=${e.labelX} y=${e.labelY} class="edge-label">${edgeLabel(e)}</text>
          </g>`,
        )}
        ${layout.nodes.map((n) => {
          const kinds = splitText(n.failures);
          return html`<g
            class=${`map-node ${isSelected({ node: n }) ? 'picked' : ''}`}
            data-service=${n.service}
            data-kind=${n.kind}
            transform=${`translate(${n.x} ${n.y})`}
            onClick=${() => setSelected({ node: n })}
          >
            <rect width=${nodeWidth} height=${nodeHeight} rx="8" class=${n.errors > 0 ? 'bad' : ''} />
            <rect width="8" height=${nodeHeight} rx="4" style=${{ fill: n.kind === 'service' ? serviceColor(n.service) : '#9aa3b5' }} />
            <text x="18" y="20" class="node-name">${n.kind === 'service' ? '' : `${n.kind} `}${clip(n.name)}<title>${nodeLabel(n)}</title></text>
            <text x="18" y="38" class="node-stats">${n.count} ${n.kind === 'service' ? 'requests' : 'calls'} · ${n.errors} err · p95 ${formatMs(n.p95Ms)}</text>
            ${kinds ? html`<text x="18" y="55" class="node-split">${kinds}</text>` : null}
          </g>`;
        })}
      </svg>
      ${selected ? html`<${Picked} selected=${selected} label=${pickedLabel(selected, layout.nodes)} index=${'node' in selected ? nodeIndex.get(selected.node.service) : edgeIndex.get(edgeId(selected.edge))} onList=${props.onListTraces} onClose=${() => setSelected(undefined)} />` : null}
    </div>
  </section>`;
}

/** What the panel calls the picked node or edge: the nodes' own names (`database stock`), not their ids. */
function pickedLabel(selected: Selected, nodes: readonly MapNode[]): string {
  if ('node' in selected) return nodeLabel(selected.node);
  const name = (id: string): string => {
    const node = nodes.find((n) => n.service === id);
    return node ? nodeLabel(node) : id;
  };
  return `${name(selected.edge.from)} → ${name(selected.edge.to)} (${selected.edge.kind})`;
}

function Picked(props: {
  selected: Selected;
  label: string;
  index: MapElementIndex | undefined;
  onList: (pick: MapPick) => void;
  onClose: () => void;
}): VNode {
  const { selected, label, index } = props;
  const { count, errors, p95Ms } = 'node' in selected ? selected.node : selected.edge;
  const kinds = splitText('node' in selected ? selected.node.failures : selected.edge.failures);
  return html`<aside class="details map-details" data-testid="map-details">
    <header><h3>${label}</h3><button type="button" class="close" title="Close" onClick=${props.onClose}>×</button></header>
    <p>${count} ${'node' in selected && selected.node.kind === 'service' ? 'requests' : 'calls'} · ${errors} errors${kinds ? ` (${kinds})` : ''} · p95 ${formatMs(p95Ms)}</p>
    ${
      index
        ? html`<h4>Latency</h4>
          <${Histogram} buckets=${index.histogram} />
          <p>
            <button type="button" data-testid="list-traces" disabled=${index.traces.length === 0} onClick=${() => props.onList({ label, traces: index.traces })}>
              List its ${index.traces.length} trace${index.traces.length === 1 ? '' : 's'}
            </button>
          </p>`
        : html`<p class="muted">This report holds no index of its map: its latency and traces are not in it.</p>`
    }
  </aside>`;
}

function clip(text: string): string {
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}
