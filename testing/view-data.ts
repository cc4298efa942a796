// Hand-made ViewData for the HTML viewer's tests and bench: a checkout trace of known shape
// (sync and async hops, a link, an error, a cold start, an orphan, a hostile span name), a
// small trace, a 10,000-span trace and enough small traces to list 5,000.
import type { TraceDetail, TraceSpan, TraceSummary, ViewData } from '../cli/src/model';

export const checkoutTraceId = 'a'.repeat(32);
export const bigTraceId = 'b'.repeat(32);
export const hostileName = '<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=2</script>';
export const bigTraceSpans = 10_000;
export const deepTraceId = 'd'.repeat(32);
export const deepTraceLevels = 47;

function span(
  fields: Partial<TraceSpan> & Pick<TraceSpan, 'spanId' | 'service' | 'name' | 'startMs' | 'durationMs'>,
): TraceSpan {
  return {
    status: 'unset',
    critical: false,
    kind: 'internal',
    attributes: {},
    resource: { 'service.name': fields.service, 'cloud.provider': 'aws' },
    events: [],
    links: [],
    ...fields,
  };
}

function summarize(detail: TraceDetail, startTime: string): TraceSummary {
  const root = detail.spans.find((s) => s.parentSpanId === undefined);
  const failed = detail.spans.filter((s) => s.status === 'error').sort((a, b) => a.startMs - b.startMs)[0];
  const httpStatus = failed?.attributes['http.status_code'];
  return {
    traceId: detail.traceId,
    rootName: (root ?? detail.spans[0]!).name,
    services: [...new Set(detail.spans.map((s) => s.service))],
    spanCount: detail.spans.length,
    durationMs: detail.durationMs,
    errorCount: detail.spans.filter((s) => s.status === 'error').length,
    coldStarts: detail.spans.filter((s) => s.attributes['faas.coldstart'] === true).length,
    startTime,
    rootDurationMs: root ? root.durationMs : null,
    rootMissing: root === undefined,
    error: failed
      ? {
          service: failed.service,
          name: failed.name,
          message: failed.statusMessage ?? null,
          type: null,
          httpStatus: typeof httpStatus === 'number' ? httpStatus : null,
        }
      : null,
  };
}

/** The checkout trace: api → inventory (HTTP), api → worker (SQS), an orphan from worker. */
export function checkoutTrace(): TraceDetail {
  const id = (n: number): string => n.toString(16).padStart(16, '0');
  return {
    traceId: checkoutTraceId,
    durationMs: 120,
    orphans: [id(7)],
    spans: [
      span({
        spanId: id(1),
        service: 'api',
        name: 'POST /checkout',
        kind: 'server',
        startMs: 0,
        durationMs: 120,
        critical: true,
        attributes: {
          'faas.coldstart': true,
          'http.route': '/checkout',
          'order.id': 'order-7731',
          'faas.invocation_id': 'req-checkout-1',
          'faas.name': 'api',
          'cloud.region': 'eu-west-1',
        },
      }),
      span({
        spanId: id(2),
        parentSpanId: id(1),
        service: 'api',
        name: 'GET inventory',
        kind: 'client',
        startMs: 5,
        durationMs: 35,
        critical: true,
      }),
      span({
        spanId: id(3),
        parentSpanId: id(2),
        service: 'inventory',
        name: 'GET /inventory',
        kind: 'server',
        startMs: 8,
        durationMs: 30,
        critical: true,
        attributes: {
          'http.status_code': 200,
          'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: '<img src=x>' }] }],
        },
      }),
      span({
        spanId: id(4),
        parentSpanId: id(1),
        service: 'api',
        name: 'SQS SendMessage orders',
        kind: 'producer',
        startMs: 45,
        durationMs: 10,
        critical: true,
      }),
      span({
        spanId: id(5),
        parentSpanId: id(4),
        service: 'worker',
        name: 'orders process',
        kind: 'consumer',
        startMs: 60,
        durationMs: 58,
        status: 'error',
        statusMessage: 'payment declined',
        critical: true,
        events: [{ timeMs: 110, name: 'exception', attributes: { 'exception.message': 'payment declined' } }],
        links: [{ traceId: checkoutTraceId, spanId: id(4), attributes: { 'messaging.operation': 'process' } }],
      }),
      span({
        spanId: id(6),
        parentSpanId: id(1),
        service: 'api',
        name: hostileName,
        startMs: 56,
        durationMs: 2,
        attributes: { '<b>key</b>': '</script><!--' },
      }),
      span({
        spanId: id(7),
        parentSpanId: 'f'.repeat(16),
        service: 'worker',
        name: 'late retry',
        kind: 'consumer',
        startMs: 100,
        durationMs: 10,
      }),
    ],
  };
}

/** A 4-ary tree of 10,000 spans over five services, each span calling its four children one
 * after the other; the critical path follows the last children. */
export function bigTrace(): TraceDetail {
  const spans: TraceSpan[] = [];
  for (let i = 0; i < bigTraceSpans; i++) {
    const parent = i === 0 ? undefined : spans[Math.floor((i - 1) / 4)]!;
    const nth = (i - 1) % 4;
    const slot = parent ? parent.durationMs / 4 : 4000;
    spans.push(
      span({
        spanId: i.toString(16).padStart(16, '0'),
        ...(parent ? { parentSpanId: parent.spanId } : {}),
        service: `svc-${i % 5}`,
        name: `op-${i}`,
        startMs: parent ? parent.startMs + nth * slot + slot * 0.05 : 0,
        durationMs: parent ? slot * 0.9 : 4000,
        critical: !parent || (parent.critical && nth === 3),
        status: i % 997 === 0 ? 'error' : 'ok',
      }),
    );
  }
  return { traceId: bigTraceId, durationMs: 4000, orphans: [], spans };
}

/** A chain 47 calls deep (each span the only child of the one before), over two services. */
export function deepTrace(): TraceDetail {
  const spans: TraceSpan[] = [];
  for (let i = 0; i < deepTraceLevels; i++) {
    spans.push(
      span({
        spanId: (0xd00 + i).toString(16).padStart(16, '0'),
        ...(i > 0 ? { parentSpanId: spans[i - 1]!.spanId } : {}),
        service: i % 2 === 0 ? 'api' : 'inventory',
        name: `level-${i} handler`,
        startMs: i,
        durationMs: 2 * (deepTraceLevels - i),
        critical: true,
        ...(i === 0 ? { attributes: { 'faas.coldstart': true } } : {}),
        ...(i === deepTraceLevels - 1 ? { status: 'error' as const } : {}),
      }),
    );
  }
  return { traceId: deepTraceId, durationMs: 2 * deepTraceLevels, orphans: [], spans };
}

function smallTrace(n: number): TraceDetail {
  const traceId = n.toString(16).padStart(32, '0');
  const error = n % 10 === 0;
  const cold = n % 25 === 0;
  return {
    traceId,
    durationMs: 20 + (n % 300),
    orphans: [],
    spans: [
      span({
        spanId: 'a'.repeat(16),
        service: 'api',
        name: `GET /items/${n % 40}`,
        kind: 'server',
        startMs: 0,
        durationMs: 20 + (n % 300),
        critical: true,
        attributes: cold ? { 'faas.coldstart': true } : {},
      }),
      span({
        spanId: 'b'.repeat(16),
        parentSpanId: 'a'.repeat(16),
        service: 'api',
        name: 'GET inventory',
        kind: 'client',
        startMs: 2,
        durationMs: 10 + (n % 200),
        critical: true,
      }),
      span({
        spanId: 'c'.repeat(16),
        parentSpanId: 'b'.repeat(16),
        service: 'inventory',
        name: 'GET /inventory',
        kind: 'server',
        startMs: 3,
        durationMs: 8 + (n % 200),
        critical: true,
        status: error ? 'error' : 'ok',
        // Failures of three kinds: throttled, the caller's (4xx), the service's (5xx).
        attributes: error ? { 'http.status_code': n % 30 === 0 ? 429 : n % 20 === 0 ? 503 : 404 } : {},
      }),
    ],
  };
}

/** The report's data: `traceCount` traces, the checkout one newest, the big one next, then the deep one. */
export function sampleViewData(traceCount = 5_000): ViewData {
  const start = Date.parse('2026-11-22T03:00:00.000Z');
  const details = [checkoutTrace(), bigTrace(), deepTrace()];
  for (let n = 1; details.length < traceCount; n++) details.push(smallTrace(n));
  const traces = details.map((d, i) => summarize(d, new Date(start - i * 1000).toISOString()));
  return {
    generatedAt: '2026-11-22T03:05:00.000Z',
    source: 'files ./traces <script>alert(1)</script>',
    traces,
    details: Object.fromEntries(details.map((d) => [d.traceId, d])),
    stats: {
      operations: [
        {
          service: 'api',
          name: 'POST /checkout',
          count: 1,
          errors: 0,
          p50Ms: 120,
          p95Ms: 120,
          p99Ms: 120,
          histogram: [{ leMs: 500, count: 1 }],
          slowestTraceIds: [],
          failedTraceIds: [],
        },
        {
          service: 'inventory',
          name: 'GET /inventory',
          count: traceCount - 1,
          errors: 500,
          p50Ms: 105,
          p95Ms: 198,
          p99Ms: 206,
          histogram: [{ leMs: 500, count: traceCount - 1 }],
          slowestTraceIds: [],
          failedTraceIds: [],
        },
        {
          service: 'worker',
          name: 'orders process',
          count: 1,
          errors: 1,
          p50Ms: 58,
          p95Ms: 58,
          p99Ms: 58,
          histogram: [{ leMs: 500, count: 1 }],
          slowestTraceIds: [],
          failedTraceIds: [],
        },
        {
          service: 'api',
          name: hostileName,
          count: 1,
          errors: 0,
          p50Ms: 2,
          p95Ms: 2,
          p99Ms: 2,
          histogram: [{ leMs: 500, count: 1 }],
          slowestTraceIds: [],
          failedTraceIds: [],
        },
      ],
      functions: [
        {
          service: 'api',
          invocations: traceCount,
          coldStarts: 200,
          initP50Ms: 180,
          initP95Ms: 240,
          coldStartTraceIds: [],
        },
        { service: 'worker', invocations: 2, coldStarts: 0, initP50Ms: 0, initP95Ms: 0, coldStartTraceIds: [] },
      ],
      traces: { count: traceCount, withOrphans: 1 },
      timeline: [],
    },
    map: {
      nodes: [
        {
          service: 'api',
          name: 'api',
          kind: 'service',
          count: 3 * traceCount,
          errors: 0,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 290,
        },
        {
          service: 'inventory',
          name: 'inventory',
          kind: 'service',
          count: traceCount,
          errors: 500,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 198,
        },
        {
          service: 'worker',
          name: 'worker',
          kind: 'service',
          count: 2,
          errors: 1,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 58,
        },
        {
          service: 'database:orders',
          name: 'orders',
          kind: 'database',
          count: 40,
          errors: 1,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 12,
        },
        ...[0, 1, 2, 3, 4].map((i) => ({
          service: `svc-${i}`,
          name: `svc-${i}`,
          kind: 'service' as const,
          count: 2000,
          errors: 2,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 1000,
        })),
      ],
      edges: [
        {
          from: 'api',
          to: 'inventory',
          kind: 'sync',
          count: traceCount,
          errors: 500,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 190,
        },
        {
          from: 'api',
          to: 'worker',
          kind: 'async',
          count: 1,
          errors: 1,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 58,
        },
        {
          from: 'worker',
          to: 'database:orders',
          kind: 'sync',
          count: 40,
          errors: 1,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 12,
        },
        {
          from: 'svc-0',
          to: 'svc-1',
          kind: 'sync',
          count: 400,
          errors: 0,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 500,
        },
        {
          from: 'svc-0',
          to: 'svc-2',
          kind: 'sync',
          count: 400,
          errors: 2,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 500,
        },
        {
          from: 'svc-1',
          to: 'svc-3',
          kind: 'sync',
          count: 400,
          errors: 0,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 250,
        },
        {
          from: 'svc-2',
          to: 'svc-3',
          kind: 'async',
          count: 400,
          errors: 0,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 250,
        },
        {
          from: 'svc-3',
          to: 'svc-4',
          kind: 'sync',
          count: 400,
          errors: 0,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 125,
        },
        {
          from: 'svc-4',
          to: 'svc-3',
          kind: 'sync',
          count: 20,
          errors: 0,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 60,
        },
        {
          from: 'svc-4',
          to: 'svc-4',
          kind: 'async',
          count: 5,
          errors: 0,
          failures: { throttle: 0, '4xx': 0, '5xx': 0 },
          p95Ms: 30,
        },
      ],
    },
    skipped: { records: 2, firstReason: 'record 17: not gzip' },
  };
}
