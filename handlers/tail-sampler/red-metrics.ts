import { durationMsBetween, micros } from '../../src/otlp/micros';
import { requestKey, ServiceRequests } from '../../src/otlp/service-requests';
import { attributeMap, serviceNameOf } from '../../src/otlp/values';
import { OtlpStatusCode, type OtlpExportRequest, type OtlpSpan } from '../../src/otlp/types';
import { distributions, emfLine, tally } from '../embedded-metrics';

// Each operation's figures are also filed per service: an SLO over a whole service reads them.
const SERVICE_ROLLUP = [['service']];

interface Operation {
  service: string;
  operation: string;
  requests: number;
  errors: number;
  /** Duration (ms, to the microsecond, as the command's `stats` reads it) → count. */
  durations: Map<number, number>;
}

/** A span's duration as the command's `stats` computes it: from whole microseconds. */
function spanDurationMs(span: OtlpSpan): number {
  return durationMsBetween(micros(span.startTimeUnixNano), micros(span.endTimeUnixNano));
}

/**
 * Rate, errors and duration per service and operation, over the requests each service served
 * (the rule the command's service map counts by: src/otlp/service-requests.ts), counted over
 * every span before sampling, so the figures do not depend on what is kept. `add` takes the
 * requests of one trace together, so that a span's parent is found among them; a span is
 * counted once however many copies of it the records hold. Emitted as CloudWatch embedded
 * metric format lines.
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
        const service = serviceNameOf(rs.resource?.attributes);
        for (const ss of rs.scopeSpans) {
          for (const span of ss.spans) {
            // Delivery is at least once: a second copy is the same span.
            if (serviceOf.has(span.spanId)) continue;
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
      const key = requestKey(
        entry.span,
        entry.service,
        entry.span.parentSpanId ? serviceOf.get(entry.span.parentSpanId) : undefined,
      );
      if (key !== undefined) entries.offer(key, entry, micros(entry.span.startTimeUnixNano));
    }
    for (const { span, service } of entries.values()) {
      const key = `${service}\u0000${span.name}`;
      const op = this.operations.get(key) ?? {
        service,
        operation: span.name,
        requests: 0,
        errors: 0,
        durations: new Map(),
      };
      op.requests++;
      if (span.status?.code === OtlpStatusCode.Error) op.errors++;
      tally(op.durations, spanDurationMs(span));
      this.operations.set(key, op);
    }
  }

  /** One line per operation (more when its durations spread over more than 100 values), one per function with cold starts, and the consumer's own counters. */
  lines(namespace: string, timestamp: number, counters: Record<string, number>): string[] {
    const out: string[] = [];
    for (const op of this.operations.values()) {
      const dims = { service: op.service, operation: op.operation };
      distributions(op.durations).forEach((Duration, i) => {
        if (i === 0) {
          out.push(
            emfLine(
              namespace,
              timestamp,
              ['service', 'operation'],
              [
                { Name: 'Requests', Unit: 'Count' },
                { Name: 'Errors', Unit: 'Count' },
                { Name: 'Duration', Unit: 'Milliseconds' },
              ],
              { ...dims, Requests: op.requests, Errors: op.errors, Duration },
              SERVICE_ROLLUP,
            ),
          );
        } else {
          out.push(
            emfLine(
              namespace,
              timestamp,
              ['service', 'operation'],
              [{ Name: 'Duration', Unit: 'Milliseconds' }],
              { ...dims, Duration },
              SERVICE_ROLLUP,
            ),
          );
        }
      });
    }
    for (const [fn, count] of this.coldStarts)
      out.push(
        emfLine(namespace, timestamp, ['function'], [{ Name: 'ColdStarts', Unit: 'Count' }], {
          function: fn,
          ColdStarts: count,
        }),
      );
    out.push(
      emfLine(
        namespace,
        timestamp,
        [],
        Object.keys(counters).map((Name) => ({ Name, Unit: 'Count' as const })),
        counters,
      ),
    );
    return out;
  }
}
