/**
 * OTLP/HTTP JSON shapes (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding),
 * as the ingest writes them to the stream: ids lowercase hex, times decimal nanosecond
 * strings, enums integers. One set of types for the library's encoder, the ingest, the
 * stream consumers and the read side; type-only, so it adds nothing to a bundle.
 */

export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values: OtlpAnyValue[] };
  kvlistValue?: { values: OtlpKeyValue[] };
}

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpEvent {
  timeUnixNano: string;
  name: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
}

export interface OtlpLink {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  droppedAttributesCount: number;
  events: OtlpEvent[];
  droppedEventsCount: number;
  links: OtlpLink[];
  droppedLinksCount: number;
  status: { code: number; message?: string };
}

/** A resource or scope as received, attributes cleaned. */
export interface OtlpEntity {
  [key: string]: unknown;
  attributes?: OtlpKeyValue[];
}

export interface ScopeGroup {
  scope: OtlpEntity;
  schemaUrl?: string;
  spans: OtlpSpan[];
}

export interface ResourceGroup {
  resource: OtlpEntity;
  schemaUrl?: string;
  scopes: ScopeGroup[];
}

/** One `ExportTraceServiceRequest` as OTLP JSON: a stream record's content. */
export interface OtlpExportRequest {
  resourceSpans: Array<{
    resource?: OtlpEntity;
    schemaUrl?: string;
    scopeSpans: Array<{ scope?: OtlpEntity; schemaUrl?: string; spans: OtlpSpan[] }>;
  }>;
}

/** Span kinds as OTLP numbers them (the OpenTelemetry API's SpanKind plus one). */
export const enum OtlpSpanKind {
  Unspecified = 0,
  Internal = 1,
  Server = 2,
  Client = 3,
  Producer = 4,
  Consumer = 5,
}

/** Status codes as OTLP numbers them. */
export const enum OtlpStatusCode {
  Unset = 0,
  Ok = 1,
  Error = 2,
}
