import type { TraceDetail, TraceSpan } from '../model';
import { durationMs, isAsyncHop, kindName, statusOf, type CompactSpan, type SpanDetail } from '../read/spans';
import type { LinkResolver } from './aggregate';
import { criticalPath } from './critical-path';
import type { TraceView } from './trace-view';

/**
 * `trace <id>`: every span, in tree order (each root, then its children depth first by start
 * time; the orphans' trees last), times from the trace's start, the critical path marked.
 */
export function traceDetail(
  view: TraceView,
  details: ReadonlyMap<string, SpanDetail> | undefined,
  resolve: LinkResolver,
): TraceDetail {
  const critical = criticalPath(view);
  const origin = view.startUs;
  const spans: TraceSpan[] = [];
  const visit = (span: CompactSpan): void => {
    const parent = span.parentSpanId === undefined ? undefined : view.byId.get(span.parentSpanId);
    const detail = details?.get(span.spanId);
    spans.push({
      spanId: span.spanId,
      ...(span.parentSpanId !== undefined ? { parentSpanId: span.parentSpanId } : {}),
      service: span.service,
      name: span.name,
      startMs: (span.startUs - origin) / 1000,
      durationMs: durationMs(span),
      status: statusOf(span),
      critical: critical.has(span.spanId),
      kind: kindName(span.kind),
      ...(detail?.statusMessage !== undefined ? { statusMessage: detail.statusMessage } : {}),
      attributes: detail?.attributes ?? {},
      resource: detail?.resource ?? {},
      // To the microsecond the times are read in, without the float noise of the subtraction.
      events: (detail?.events ?? []).map((e) => ({ ...e, timeMs: Math.round(e.timeMs * 1000 - origin) / 1000 })),
      links: (detail?.links ?? []).map((link) => {
        const target = resolve(`${link.traceId}/${link.spanId}`);
        return target ? { ...link, service: target.service, name: target.name } : link;
      }),
      ...(parent && isAsyncHop(span, parent) ? { async: true } : {}),
    });
  };
  // Depth first with a stack of its own: a trace may nest deeper than the call stack allows.
  const stack = [...view.roots, ...view.orphans].reverse();
  for (let span = stack.pop(); span; span = stack.pop()) {
    visit(span);
    const children = view.children.get(span.spanId);
    if (children) for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return {
    traceId: view.traceId,
    durationMs: (view.endUs - view.startUs) / 1000,
    startTime: new Date(origin / 1000).toISOString(),
    spans,
    orphans: view.orphans.map((s) => s.spanId),
  };
}
