import { micros } from '../../src/otlp/micros';
import { receivedMsOf } from '../../src/otlp/stream-record';
import { OtlpStatusCode, type OtlpExportRequest } from '../../src/otlp/types';
import { serviceNameOf } from '../../src/otlp/values';
import { distributions, emfLine, tally, type MetricDefinition } from '../embedded-metrics';
import { isProvisional } from './superseded';

/** What the SLIs need of one span copy: small enough to keep for every span of a trace's wait. */
export interface SpanFacts {
  spanId: string;
  service: string;
  /** Undefined for a root. */
  parent: string | undefined;
  error: boolean;
  /** The timeout guard's copy: its real copy, when it comes, stands for the span. */
  provisional: boolean;
  /** The ingest's receipt time minus the span's end (ms, whole); undefined without the receipt stamp. */
  latencyMs: number | undefined;
}

/** Every span copy of a stream record, in order, duplicates and provisional copies included. */
export function spanFactsOf(request: OtlpExportRequest): SpanFacts[] {
  const out: SpanFacts[] = [];
  for (const rs of request.resourceSpans) {
    const service = serviceNameOf(rs.resource?.attributes);
    const receivedMs = receivedMsOf(rs.resource);
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        const endMs = micros(span.endTimeUnixNano) / 1000;
        out.push({
          spanId: span.spanId,
          service,
          parent: span.parentSpanId || undefined,
          error: span.status?.code === OtlpStatusCode.Error,
          provisional: isProvisional(span),
          // A sender's clock ahead of the ingest's is no negative latency: it counts as none.
          latencyMs:
            receivedMs === undefined || Number.isNaN(endMs) ? undefined : Math.max(0, Math.round(receivedMs - endMs)),
        });
      }
    }
  }
  return out;
}

/** The figures of one service, or of the whole pipeline. */
interface Figures {
  spans: number;
  traces: number;
  tracesWithRoot: number;
  orphanSpans: number;
  errorTraces: number;
  lateSpans: number;
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
  lateSpans: 0,
  spansStored: 0,
  exportLatency: new Map(),
});

const COUNTS: ReadonlyArray<[keyof Omit<Figures, 'exportLatency'>, string]> = [
  ['spans', 'Spans'],
  ['traces', 'Traces'],
  ['tracesWithRoot', 'TracesWithRoot'],
  ['orphanSpans', 'OrphanSpans'],
  ['errorTraces', 'ErrorTraces'],
  ['lateSpans', 'LateSpans'],
  ['spansStored', 'SpansStored'],
];

/**
 * The pipeline's service level indicators, counted over every span before sampling, per
 * service and for the whole pipeline, written as embedded metric format lines (docs/operations/slis.md,
 * "Pipeline SLIs"). What is counted when is the SLI ledger's (sli-ledger.ts): a trace once, when
 * its wait ends, over every span that arrived within it.
 */
export class PipelineSlis {
  private readonly total = figures();
  private readonly services = new Map<string, Figures>();

  private of(service: string): Figures {
    let f = this.services.get(service);
    if (!f) this.services.set(service, (f = figures()));
    return f;
  }

  /** A span copy a stream record held, duplicates and provisional copies included: what the stream stored, against what the wrappers sent. */
  stored(span: SpanFacts): void {
    this.total.spansStored++;
    this.of(span.service).spansStored++;
  }

  /** A span of a trace already counted: it came after the trace's wait. */
  late(span: SpanFacts): void {
    for (const f of [this.total, this.of(span.service)]) {
      f.lateSpans++;
      if (span.latencyMs !== undefined) tally(f.exportLatency, span.latencyMs);
    }
  }

  /** One trace at the end of its wait: its spans, each span id once, by its real copy when one came. */
  trace(spans: ReadonlyMap<string, SpanFacts>): void {
    if (spans.size === 0) return;
    let root = false;
    let error = false;
    const involved = new Map<string, { error: boolean }>();
    for (const span of spans.values()) {
      for (const f of [this.total, this.of(span.service)]) {
        f.spans++;
        if (span.parent !== undefined && !spans.has(span.parent)) f.orphanSpans++;
        if (span.latencyMs !== undefined) tally(f.exportLatency, span.latencyMs);
      }
      if (span.parent === undefined) root = true;
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
