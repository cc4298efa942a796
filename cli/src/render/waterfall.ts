import type { BreakdownRow } from '../analysis/breakdown';
import type { LogsQuery } from '../analysis/logs-link';
import { spanDepths, type FocusedTrace } from '../analysis/trace-focus';
import type { TraceDetail, TraceSpan } from '../model';
import { formatMs } from '../format-duration';
import { fit, table } from './text';

const BAR_WIDTH = 36;
const NAME_WIDTH = 44;
const SERVICE_WIDTH = 12;
// Levels of indentation the name column shows (2 characters each); deeper spans show their depth.
const MAX_INDENT = 10;

const LEGEND = '█ critical path  ▒ other spans  ❄ cold start  ✗ error  ⇢ async hop (producer → consumer)  ↔ span link';

function bar(span: TraceSpan, total: number): string {
  const offset = total > 0 ? Math.min(BAR_WIDTH - 1, Math.floor((span.startMs / total) * BAR_WIDTH)) : 0;
  const width =
    total > 0 ? Math.max(1, Math.min(BAR_WIDTH - offset, Math.round((span.durationMs / total) * BAR_WIDTH))) : 1;
  return `${' '.repeat(offset)}${(span.critical ? '█' : '▒').repeat(width)}`.padEnd(BAR_WIDTH);
}

function markers(span: TraceSpan, byId: ReadonlyMap<string, TraceSpan>): string {
  const out: string[] = [];
  if (span.attributes['faas.coldstart'] === true) out.push('❄ cold start');
  if (span.status === 'error') out.push(`✗ ${span.statusMessage ?? String(span.attributes['error.type'] ?? 'error')}`);
  if (span.async) out.push(`⇢ async from ${byId.get(span.parentSpanId ?? '')?.service ?? '?'}`);
  return out.join('  ');
}

/**
 * One trace as a terminal waterfall: the tree with offsets, durations and bars, markers for
 * errors, cold starts and async hops, span links under their span, the critical path in
 * solid bars; orphan spans (parent never received) listed apart under their own heading.
 */
export function renderWaterfall(detail: TraceDetail): string {
  const byId = new Map(detail.spans.map((s) => [s.spanId, s]));
  const depth = spanDepths(detail.spans);
  const orphans = new Set(detail.orphans);
  const services = new Set(detail.spans.map((s) => s.service)).size;
  const lines = [
    `trace ${detail.traceId}  ${detail.spans.length} spans, ${services} service(s), ${formatMs(detail.durationMs)}`,
  ];
  lines.push(`  ${LEGEND}`);
  lines.push(
    `  ${fit('service', SERVICE_WIDTH)} ${fit('span', NAME_WIDTH)} ${'start'.padStart(10)} ${'duration'.padStart(10)}  ${''.padEnd(BAR_WIDTH)}`,
  );
  for (const span of detail.spans) {
    if (orphans.has(span.spanId)) lines.push(`  orphan spans (parent ${span.parentSpanId} never received):`);
    const d = depth.get(span.spanId) ?? 0;
    // Past MAX_INDENT levels the indentation stops and the depth is written out, so the name stays in its column.
    const name = `${'  '.repeat(Math.min(d, MAX_INDENT))}${d > 0 ? '└ ' : ''}${d > MAX_INDENT ? `[${d}] ` : ''}${span.name}`;
    lines.push(
      `  ${fit(span.service, SERVICE_WIDTH)} ${fit(name, NAME_WIDTH)} ${`+${formatMs(span.startMs)}`.padStart(10)} ${formatMs(span.durationMs).padStart(10)}  ${bar(span, detail.durationMs)} ${markers(span, byId)}`.trimEnd(),
    );
    const indent = 2 * Math.min(d, MAX_INDENT);
    if (span.hiddenBelow !== undefined)
      lines.push(
        `  ${''.padEnd(SERVICE_WIDTH)} ${' '.repeat(indent + 4)}… ${span.hiddenBelow} span(s) hidden below (--depth)`,
      );
    for (const link of span.links) {
      const target = link.service ? `${link.service}: ${link.name ?? ''}` : 'a span not read';
      const where = link.traceId === detail.traceId ? 'this trace' : `trace ${link.traceId}`;
      lines.push(
        `  ${''.padEnd(SERVICE_WIDTH)} ${' '.repeat(indent + 4)}↔ link to ${target} (${where}, span ${link.spanId})`,
      );
    }
  }
  return lines.join('\n');
}

/** The time per service and operation, as text. */
export function renderBreakdown(rows: readonly BreakdownRow[]): string {
  return table(
    ['service', 'operation', 'spans', 'total', 'self'],
    rows.map((r) => [r.service, r.name, String(r.count), formatMs(r.totalMs), formatMs(r.selfMs)]),
  );
}

function renderLogs(logs: readonly LogsQuery[]): string[] {
  if (logs.length === 0) return ['  (no span names a function: no faas.name or aws.log.group.names)'];
  return logs.flatMap((q) => [
    `  ${q.scope === 'trace' ? 'the trace' : `invocation ${q.invocationId} (span ${q.spanId})`} in ${q.logGroups.join(', ')}${q.region !== null ? ` (${q.region})` : ''}, ${q.start} to ${q.end}:`,
    ...q.query.split('\n').map((l) => `    ${l}`),
    `    ${q.url ?? '(no cloud.region on its spans: no console link)'}`,
  ]);
}

/** `trace <id>`: the waterfall (narrowed as asked), then the time per operation and the Logs Insights queries. */
export function renderTraceReading(reading: FocusedTrace & { breakdown: BreakdownRow[]; logs: LogsQuery[] }): string {
  return [
    renderWaterfall(reading),
    ...(reading.hiddenSpans > 0
      ? [
          `  (${reading.hiddenSpans} span(s) not shown: --critical, --errors and --depth narrow the waterfall; the figures below are the whole trace's)`,
        ]
      : []),
    '',
    "time per service and operation (self: a span's time less its children's)",
    renderBreakdown(reading.breakdown),
    '',
    'logs (CloudWatch Logs Insights)',
    ...renderLogs(reading.logs),
  ].join('\n');
}
