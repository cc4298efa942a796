import { requestKey, ServiceRequests } from '../../src/otlp/service-requests';
import { attributeMap } from '../../src/otlp/values';
import { OtlpStatusCode, type OtlpExportRequest, type OtlpSpan } from '../../src/otlp/types';
import { durationMs } from './policy';

interface Operation {
  service: string;
  operation: string;
  requests: number;
  errors: number;
  /** Duration bucket (ms, two significant digits) → count. */
  durations: Map<number, number>;
}

// CloudWatch takes at most 100 distinct values per metric in one embedded-metric document.
const MAX_VALUES = 100;

/**
 * Rate, errors and duration per service and operation, over the requests each service served
 * (the rule the command's service map counts by: src/otlp/service-requests.ts), counted over
 * every span before sampling, so the figures do not depend on what is kept. `add` takes the
 * requests of one trace together, so that a span's parent is found among them. Emitted as
 * CloudWatch embedded metric format lines.
 */
export class RedMetrics {
  private readonly operations = new Map<string, Operation>();
  private readonly coldStarts = new Map<string, number>();

  /** The spans of one trace (one or more of its records). */
  add(...requests: OtlpExportRequest[]): void {
    const serviceOf = new Map<string, string>();
    const spans: Array<{ span: OtlpSpan; service: string }> = [];
    for (const request of requests) {
      for (const rs of request.resourceSpans) {
        const resource = attributeMap(rs.resource?.attributes);
        const service = String(resource['service.name'] ?? 'unknown');
        for (const ss of rs.scopeSpans) {
          for (const span of ss.spans) {
            serviceOf.set(span.spanId, service);
            spans.push({ span, service });
            const attributes = attributeMap(span.attributes);
            if (attributes['faas.coldstart'] === true) {
              const fn = String(attributes['faas.name'] ?? resource['faas.name'] ?? service);
              this.coldStarts.set(fn, (this.coldStarts.get(fn) ?? 0) + 1);
            }
          }
        }
      }
    }
    const entries = new ServiceRequests<{ span: OtlpSpan; service: string }>();
    for (const entry of spans) {
      const key = requestKey(entry.span, entry.service, entry.span.parentSpanId ? serviceOf.get(entry.span.parentSpanId) : undefined);
      if (key !== undefined) entries.offer(key, entry, Number(entry.span.startTimeUnixNano) / 1e3);
    }
    for (const { span, service } of entries.values()) {
      const key = `${service}\u0000${span.name}`;
      const op = this.operations.get(key) ?? { service, operation: span.name, requests: 0, errors: 0, durations: new Map() };
      op.requests++;
      if (span.status?.code === OtlpStatusCode.Error) op.errors++;
      const bucket = Number(Math.max(0, durationMs(span)).toPrecision(2));
      op.durations.set(bucket, (op.durations.get(bucket) ?? 0) + 1);
      this.operations.set(key, op);
    }
  }

  /** One line per operation (more when its durations spread over more than 100 buckets), one per function with cold starts, and the consumer's own counters. */
  lines(namespace: string, timestamp: number, counters: Record<string, number>): string[] {
    const doc = (dimensions: string[], metrics: Array<{ Name: string; Unit: string }>, fields: Record<string, unknown>): string =>
      JSON.stringify({ _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [dimensions], Metrics: metrics }] }, ...fields });
    const out: string[] = [];
    for (const op of this.operations.values()) {
      const buckets = [...op.durations];
      for (let i = 0; i < buckets.length; i += MAX_VALUES) {
        const slice = buckets.slice(i, i + MAX_VALUES);
        const duration = { Values: slice.map(([v]) => v), Counts: slice.map(([, c]) => c) };
        if (i === 0) {
          out.push(doc(['service', 'operation'], [{ Name: 'Requests', Unit: 'Count' }, { Name: 'Errors', Unit: 'Count' }, { Name: 'Duration', Unit: 'Milliseconds' }], { service: op.service, operation: op.operation, Requests: op.requests, Errors: op.errors, Duration: duration }));
        } else {
          out.push(doc(['service', 'operation'], [{ Name: 'Duration', Unit: 'Milliseconds' }], { service: op.service, operation: op.operation, Duration: duration }));
        }
      }
    }
    for (const [fn, count] of this.coldStarts) out.push(doc(['function'], [{ Name: 'ColdStarts', Unit: 'Count' }], { function: fn, ColdStarts: count }));
    out.push(doc([], Object.keys(counters).map((Name) => ({ Name, Unit: 'Count' })), counters));
    return out;
  }
}
