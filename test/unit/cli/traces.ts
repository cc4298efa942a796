import { gzipSync } from 'node:zlib';
import type { Source } from '../../../cli/src/sources/source';
import { exportRequest, otlpSpan } from '../../helpers/otlp-payload';

// Hand-built traces for the read side's tests: times in milliseconds from one origin.
const ORIGIN_US = 1_700_000_000_000_000n;

export const traceId = (n: number): string => n.toString(16).padStart(32, '0');
export const spanId = (n: number): string => n.toString(16).padStart(16, '0');

export interface Spec {
  trace?: number;
  id: number;
  parent?: number;
  service?: string;
  name?: string;
  start: number;
  end: number;
  kind?: number;
  error?: string;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
  links?: Array<{ trace: number; id: number }>;
  events?: Array<{ at: number; name: string; attributes: Array<{ key: string; value: Record<string, unknown> }> }>;
}

const nanos = (ms: number): string => ((ORIGIN_US + BigInt(Math.round(ms * 1000))) * 1000n).toString();

export function spanOf(spec: Spec): { service: string; span: Record<string, unknown> } {
  return {
    service: spec.service ?? 'api',
    span: otlpSpan({
      traceId: traceId(spec.trace ?? 1),
      spanId: spanId(spec.id),
      ...(spec.parent !== undefined ? { parentSpanId: spanId(spec.parent) } : {}),
      name: spec.name ?? `span-${spec.id}`,
      kind: spec.kind ?? 1,
      startTimeUnixNano: nanos(spec.start),
      endTimeUnixNano: nanos(spec.end),
      attributes: spec.attributes ?? [],
      status:
        spec.error !== undefined ? { code: 2, ...(spec.error !== '' ? { message: spec.error } : {}) } : { code: 0 },
      ...(spec.events
        ? { events: spec.events.map((e) => ({ timeUnixNano: nanos(e.at), name: e.name, attributes: e.attributes })) }
        : {}),
      links: (spec.links ?? []).map((l) => ({ traceId: traceId(l.trace), spanId: spanId(l.id), attributes: [] })),
    }),
  };
}

/** One export request: a resource per service, as an SDK per function would send. */
export function request(specs: Spec[]): Record<string, unknown> {
  const byService = new Map<string, Array<Record<string, unknown>>>();
  for (const spec of specs) {
    const { service, span } = spanOf(spec);
    byService.set(service, [...(byService.get(service) ?? []), span]);
  }
  return {
    resourceSpans: [...byService].flatMap(
      ([service, spans]) => exportRequest(spans, service).resourceSpans as unknown[],
    ),
  };
}

/** A stream record as the ingest writes it: gzipped OTLP JSON. */
export const record = (specs: Spec[]): Buffer => gzipSync(JSON.stringify(request(specs)));

export function memorySource(records: Buffer[]): Source {
  return {
    description: 'test records',
    async *records() {
      for (const data of records) yield { data };
    },
  };
}
