import { randomBytes } from 'node:crypto';

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Any field of an OTLP span, valid or deliberately not. */
export type SpanSpec = Record<string, unknown>;

/** An OTLP JSON span with valid defaults, overridable field by field. */
export function otlpSpan(spec: SpanSpec = {}): Record<string, unknown> {
  return {
    traceId: hex(16),
    spanId: hex(8),
    name: 'op',
    kind: 2,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000100000000',
    attributes: [],
    status: { code: 0 },
    ...spec,
  };
}

/** An `ExportTraceServiceRequest` holding the given spans under one resource and scope. */
export function exportRequest(spans: Array<Record<string, unknown>>, service = 'svc'): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'test', version: '1' }, spans }],
      },
    ],
  };
}
