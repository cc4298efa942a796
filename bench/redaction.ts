import { SpanKind, TraceFlags } from '@opentelemetry/api';
import { encodeBatches } from '../src/exporter/otlp-json';
import { DEFAULT_REDACT_KEYS, Redactor } from '../src/redaction';
import { RecordingSpan } from '../src/tracer/span';
import { median } from './stats';

export interface RedactionCost {
  /** Encoding one span for export with the default redaction, µs. */
  onUs: number;
  /** The same with redaction off (the reference). */
  offUs: number;
}

const SPANS = 100;

/** Spans shaped like a Lambda's: an HTTP root, HTTP and database children, one exception. */
function spans(redactor: Redactor): RecordingSpan[] {
  const rules = {
    limits: { attributeCount: 128, attributeValueLength: 8192, eventCount: 128, linkCount: 128 },
    redactor,
  };
  const sink = { onEnd: () => undefined };
  return Array.from({ length: SPANS }, (_, i) => {
    const attributes =
      i % 3 === 0
        ? {
            'http.request.method': 'GET',
            'url.full': `https://api.example.com/v1/orders/${i}?expand=items&page=2`,
            'http.route': '/v1/orders/{id}',
            'http.response.status_code': 200,
            'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64)',
            'client.address': '203.0.113.9',
            'faas.invocation_id': `req-${i}`,
          }
        : i % 3 === 1
          ? {
              'db.system': 'postgresql',
              'db.query.text': 'SELECT * FROM orders WHERE id = $1',
              'server.address': 'orders.cluster-abc.eu-west-1.rds.amazonaws.com',
              'server.port': 5432,
            }
          : {
              'http.request.method': 'POST',
              'url.full': 'https://inventory.internal/items',
              'http.response.status_code': 200,
              'server.address': 'inventory.internal',
            };
    const span = new RecordingSpan(
      { traceId: 'a'.repeat(32), spanId: String(i).padStart(16, '0'), traceFlags: TraceFlags.SAMPLED },
      i % 3 === 0 ? 'GET /v1/orders/{id}' : 'SELECT orders',
      SpanKind.CLIENT,
      undefined,
      1_700_000_000_000 + i,
      { name: 'bench' },
      rules,
      sink,
      attributes,
    );
    if (i === 7) span.recordException(new Error('connect ECONNREFUSED 10.0.0.7:5432'));
    span.end();
    return span;
  });
}

function usPerSpan(redactor: Redactor, rounds: number): number {
  const batch = spans(redactor);
  const resource = { 'service.name': 'orders-api' };
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) encodeBatches(batch, resource, 1024 * 1024, redactor);
  return Number(process.hrtime.bigint() - start) / 1e3 / (rounds * SPANS);
}

/** Export encoding per span with the default redaction and without, interleaved; medians of `repeats`. */
export function redactionCost(repeats: number): RedactionCost {
  const on = new Redactor(DEFAULT_REDACT_KEYS);
  const off = new Redactor([]);
  usPerSpan(on, 200);
  usPerSpan(off, 200);
  const onRuns: number[] = [];
  const offRuns: number[] = [];
  for (let i = 0; i < repeats; i++) {
    onRuns.push(usPerSpan(on, 200));
    offRuns.push(usPerSpan(off, 200));
  }
  return { onUs: median(onRuns), offUs: median(offRuns) };
}
