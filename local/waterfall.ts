import type { StreamSpan } from './stream-spans';

const BAR_WIDTH = 32;
const NAME_WIDTH = 46;
const SERVICE_WIDTH = 12;

interface Node {
  span: StreamSpan;
  children: Node[];
}

const ms = (ns: bigint): number => Number(ns) / 1e6;

function pad(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

function markers(span: StreamSpan): string {
  const out: string[] = [];
  if (span.attributes['faas.coldstart'] === true) out.push('❄ cold start');
  if (span.attributes['hoptrace.proactive_initialization'] === true) out.push('(initialised ahead)');
  if (span.status.code === 2) out.push(`✗ ${span.status.message ?? String(span.attributes['error.type'] ?? 'error')}`);
  return out.join('  ');
}

function bar(span: StreamSpan, start: bigint, total: number): string {
  const offset = total > 0 ? Math.floor((ms(span.startNs - start) / total) * BAR_WIDTH) : 0;
  const width = total > 0 ? Math.max(1, Math.round((ms(span.endNs - span.startNs) / total) * BAR_WIDTH)) : 1;
  return `${' '.repeat(Math.min(offset, BAR_WIDTH - 1))}${'█'.repeat(Math.min(width, BAR_WIDTH - Math.min(offset, BAR_WIDTH - 1)))}`.padEnd(BAR_WIDTH);
}

/** The spans of one trace as a tree: children under their parent, siblings by start time. */
function tree(spans: StreamSpan[]): Node[] {
  const nodes = new Map(spans.map((span) => [span.spanId, { span, children: [] as Node[] }]));
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent = node.span.parentSpanId ? nodes.get(node.span.parentSpanId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const byStart = (a: Node, b: Node): number => (a.span.startNs < b.span.startNs ? -1 : a.span.startNs > b.span.startNs ? 1 : 0);
  const sort = (list: Node[]): void => {
    list.sort(byStart);
    for (const n of list) sort(n.children);
  };
  sort(roots);
  return roots;
}

/** One trace as a terminal waterfall. */
export function renderTrace(spans: StreamSpan[]): string {
  const start = spans.reduce((min, s) => (s.startNs < min ? s.startNs : min), spans[0]!.startNs);
  const end = spans.reduce((max, s) => (s.endNs > max ? s.endNs : max), spans[0]!.endNs);
  const total = ms(end - start);
  const services = new Set(spans.map((s) => s.service)).size;
  const lines = [`trace ${spans[0]!.traceId}  ${spans.length} spans, ${services} service(s), ${total.toFixed(1)} ms`];
  lines.push(`  ${pad('service', SERVICE_WIDTH)} ${pad('span', NAME_WIDTH)} ${'start'.padStart(9)} ${'duration'.padStart(9)}  ${pad('', BAR_WIDTH)}`);
  const walk = (node: Node, prefix: string, last: boolean, depth: number): void => {
    const branch = depth === 0 ? '' : `${prefix}${last ? '└─ ' : '├─ '}`;
    const { span } = node;
    lines.push(
      `  ${pad(span.service, SERVICE_WIDTH)} ${pad(branch + span.name, NAME_WIDTH)} ${`+${ms(span.startNs - start).toFixed(1)}`.padStart(9)} ${ms(span.endNs - span.startNs)
        .toFixed(1)
        .padStart(7)} ms  ${bar(span, start, total)} ${markers(span)}`.trimEnd(),
    );
    const childPrefix = depth === 0 ? '' : `${prefix}${last ? '   ' : '│  '}`;
    node.children.forEach((child, i) => walk(child, childPrefix, i === node.children.length - 1, depth + 1));
  };
  const roots = tree(spans);
  roots.forEach((root, i) => walk(root, '', i === roots.length - 1, 0));
  return lines.join('\n');
}

/** Every trace, the earliest first. */
export function renderTraces(spans: StreamSpan[]): string {
  const traces = new Map<string, StreamSpan[]>();
  for (const span of spans) {
    let list = traces.get(span.traceId);
    if (!list) traces.set(span.traceId, (list = []));
    list.push(span);
  }
  const earliest = (list: StreamSpan[]): bigint => list.reduce((min, s) => (s.startNs < min ? s.startNs : min), list[0]!.startNs);
  return [...traces.values()]
    .sort((a, b) => (earliest(a) < earliest(b) ? -1 : 1))
    .map(renderTrace)
    .join('\n\n');
}
