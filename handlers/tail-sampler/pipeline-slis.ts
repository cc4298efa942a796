import { micros } from '../../src/otlp/micros';
import { receivedMsOf } from '../../src/otlp/stream-record';
import { OtlpStatusCode, type OtlpExportRequest } from '../../src/otlp/types';
import { serviceNameOf } from '../../src/otlp/values';
import { distributions, emfLine, tally, type MetricDefinition } from '../embedded-metrics';

/** The figures of one service, or of the whole pipeline. */
interface Figures {
  spans: number;
  traces: number;
  tracesWithRoot: number;
  orphanSpans: number;
  errorTraces: number;
  spansStored: number;
  /** Export latency (ms, whole) → count. */
  exportLatency: Map<number, number>;
}

const figures = (): Figures => ({
  spans: 0,
  traces: 0,
  tracesWithRoot: 0,
  orphanSpans: 0,
  errorTraces: 0,
  spansStored: 0,
  exportLatency: new Map(),
});

const COUNTS: ReadonlyArray<[keyof Omit<Figures, 'exportLatency'>, string]> = [
  ['spans', 'Spans'],
  ['traces', 'Traces'],
  ['tracesWithRoot', 'TracesWithRoot'],
  ['orphanSpans', 'OrphanSpans'],
  ['errorTraces', 'ErrorTraces'],
  ['spansStored', 'SpansStored'],
];

/**
 * The pipeline's service level indicators, counted over every span before sampling, per
 * service and for the whole pipeline, written as embedded metric format lines (docs/operations/slis.md,
 * "Pipeline SLIs"). A trace is judged on what the consumer holds of it when it decides: its records in
 * the batch (the event source mapping's batching window is the wait); a part that comes later
 * is another sighting of the trace.
 */
export class PipelineSlis {
  private readonly total = figures();
  private readonly services = new Map<string, Figures>();

  private of(service: string): Figures {
    let f = this.services.get(service);
    if (!f) this.services.set(service, (f = figures()));
    return f;
  }

  /** Every span copy a stream record held, duplicates and provisional copies included: what the stream stored, against what the wrappers sent. */
  stored(request: OtlpExportRequest): void {
    for (const rs of request.resourceSpans) {
      const n = rs.scopeSpans.reduce((sum, ss) => sum + ss.spans.length, 0);
      this.total.spansStored += n;
      this.of(serviceNameOf(rs.resource?.attributes)).spansStored += n;
    }
  }

  /** One trace as the reader keeps it (superseded provisional copies dropped): each span once. */
  trace(requests: readonly OtlpExportRequest[]): void {
    const spans = new Map<
      string,
      { service: string; parentSpanId: string | undefined; error: boolean; latencyMs: number | undefined }
    >();
    for (const request of requests) {
      for (const rs of request.resourceSpans) {
        const service = serviceNameOf(rs.resource?.attributes);
        const receivedMs = receivedMsOf(rs.resource);
        for (const ss of rs.scopeSpans) {
          for (const span of ss.spans) {
            if (spans.has(span.spanId)) continue;
            const endMs = micros(span.endTimeUnixNano) / 1000;
            // A sender's clock ahead of the ingest's is no negative latency: it counts as none.
            const latencyMs =
              receivedMs === undefined || Number.isNaN(endMs) ? undefined : Math.max(0, Math.round(receivedMs - endMs));
            spans.set(span.spanId, {
              service,
              parentSpanId: span.parentSpanId || undefined,
              error: span.status?.code === OtlpStatusCode.Error,
              latencyMs,
            });
          }
        }
      }
    }
    if (spans.size === 0) return;
    let root = false;
    let error = false;
    const involved = new Map<string, { error: boolean }>();
    for (const span of spans.values()) {
      const service = this.of(span.service);
      for (const f of [this.total, service]) {
        f.spans++;
        if (span.parentSpanId !== undefined && !spans.has(span.parentSpanId)) f.orphanSpans++;
        if (span.latencyMs !== undefined) tally(f.exportLatency, span.latencyMs);
      }
      if (span.parentSpanId === undefined) root = true;
      error ||= span.error;
      const seen = involved.get(span.service) ?? { error: false };
      seen.error ||= span.error;
      involved.set(span.service, seen);
    }
    const count = (f: Figures, hasError: boolean): void => {
      f.traces++;
      if (root) f.tracesWithRoot++;
      if (hasError) f.errorTraces++;
    };
    count(this.total, error);
    // Per service: the traces it took part in, with their root or not, with an error of its own or not.
    for (const [service, seen] of involved) count(this.of(service), seen.error);
  }

  /** One document per service and one for the pipeline (more when export latencies spread over more than 100 values). */
  lines(namespace: string, timestamp: number): string[] {
    const out: string[] = [];
    const write = (dimensions: string[], fields: Record<string, string>, f: Figures): void => {
      const metrics: MetricDefinition[] = COUNTS.map(([, Name]) => ({ Name, Unit: 'Count' }));
      const values = Object.fromEntries(COUNTS.map(([key, name]) => [name, f[key]]));
      const latency = distributions(f.exportLatency);
      const latencyMetric: MetricDefinition = { Name: 'ExportLatency', Unit: 'Milliseconds' };
      out.push(
        emfLine(namespace, timestamp, dimensions, latency.length > 0 ? [...metrics, latencyMetric] : metrics, {
          ...fields,
          ...values,
          ...(latency.length > 0 ? { ExportLatency: latency[0] } : {}),
        }),
      );
      for (const more of latency.slice(1))
        out.push(emfLine(namespace, timestamp, dimensions, [latencyMetric], { ...fields, ExportLatency: more }));
    };
    for (const [service, f] of this.services) write(['service'], { service }, f);
    write([], {}, this.total);
    return out;
  }
}
