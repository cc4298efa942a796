/** OTLP/HTTP JSON shapes (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding). */

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
