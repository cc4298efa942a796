import type { OtlpEntity, OtlpExportRequest, OtlpSpan } from '../src/otlp/types';
import { HoptraceAttribute } from '../src/otlp/hoptrace-attributes';
import { attributeText, type TextMap } from './attribute-text';

// The span table: one row per span, columns after the OpenTelemetry Collector ClickHouse
// exporter's `otel_traces`, in snake_case (docs/pipeline/archive.md, "Columns"). Attribute values are
// text in a string map (as ClickHouse's Map(String, String)), so one column type holds
// every attribute and Athena and DuckDB read it alike (attribute-text.ts says how each value is
// written).

export type { TextMap } from './attribute-text';

export interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  trace_state: string;
  span_name: string;
  span_kind: string;
  service_name: string;
  resource_attributes: TextMap;
  scope_name: string;
  scope_version: string;
  span_attributes: TextMap;
  /** ISO 8601 UTC with nanoseconds (the archive writes it as a Parquet TIMESTAMP(NANOS)). */
  start_time: string;
  duration_ns: number;
  status_code: string;
  status_message: string;
  events: Array<{ time: string; name: string; attributes: TextMap }>;
  links: Array<{ trace_id: string; span_id: string; trace_state: string; attributes: TextMap }>;
  /** The ingest's tenant stamp (`hoptrace.tenant` on the resource), or null. */
  tenant: string | null;
}

/** The table's columns with their Glue (Hive) types, in order; Parquet gets them from Glue. */
export const SPAN_COLUMNS: ReadonlyArray<readonly [keyof SpanRow, string]> = [
  ['trace_id', 'string'],
  ['span_id', 'string'],
  ['parent_span_id', 'string'],
  ['trace_state', 'string'],
  ['span_name', 'string'],
  ['span_kind', 'string'],
  ['service_name', 'string'],
  ['resource_attributes', 'map<string,string>'],
  ['scope_name', 'string'],
  ['scope_version', 'string'],
  ['span_attributes', 'map<string,string>'],
  ['start_time', 'timestamp'],
  ['duration_ns', 'bigint'],
  ['status_code', 'string'],
  ['status_message', 'string'],
  ['events', 'array<struct<time:timestamp,name:string,attributes:map<string,string>>>'],
  ['links', 'array<struct<trace_id:string,span_id:string,trace_state:string,attributes:map<string,string>>>'],
  ['tenant', 'string'],
];

/** The partition column: the UTC day of the earliest span of the record, `YYYY-MM-DD`. */
export const PARTITION_COLUMN = 'dt';

// As the Collector's ClickHouse exporter names them.
const KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUSES = ['Unset', 'Ok', 'Error'];

/** Nanoseconds since the epoch (decimal string) as ISO 8601 UTC, keeping all nine digits. */
export function nanosToIso(nanos: string): string {
  const ns = BigInt(nanos);
  const ms = Number(ns / 1_000_000n);
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${fraction}Z`;
}

function row(
  span: OtlpSpan,
  service: string,
  resource: TextMap,
  scope: OtlpEntity | undefined,
  tenant: string | null,
): SpanRow {
  return {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId ?? '',
    trace_state: span.traceState ?? '',
    span_name: span.name,
    span_kind: KINDS[span.kind] ?? 'Unspecified',
    service_name: service,
    resource_attributes: resource,
    scope_name: typeof scope?.name === 'string' ? scope.name : '',
    scope_version: typeof scope?.version === 'string' ? scope.version : '',
    span_attributes: attributeText(span.attributes),
    start_time: nanosToIso(span.startTimeUnixNano),
    duration_ns: Number(BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano)),
    status_code: STATUSES[span.status?.code ?? 0] ?? 'Unset',
    status_message: span.status?.message ?? '',
    events: (span.events ?? []).map((e) => ({
      time: nanosToIso(e.timeUnixNano),
      name: e.name,
      attributes: attributeText(e.attributes),
    })),
    links: (span.links ?? []).map((l) => ({
      trace_id: l.traceId,
      span_id: l.spanId,
      trace_state: l.traceState ?? '',
      attributes: attributeText(l.attributes),
    })),
    tenant,
  };
}

/**
 * One row per span of an `ExportTraceServiceRequest` as the ingest writes it to the stream
 * (validated: ids lowercase hex, times decimal nanosecond strings, enums integers).
 */
export function spanRows(request: OtlpExportRequest): SpanRow[] {
  const rows: SpanRow[] = [];
  for (const rs of request.resourceSpans) {
    const resource = attributeText(rs.resource?.attributes);
    const service = resource['service.name'] ?? 'unknown_service';
    const tenant = resource[HoptraceAttribute.Tenant] ?? null;
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans) rows.push(row(span, service, resource, ss.scope, tenant));
  }
  return rows;
}

/** The partition a record's rows go to: the day its earliest span started. */
export function partitionOf(rows: readonly SpanRow[]): string {
  let earliest = rows[0]!.start_time;
  for (const r of rows) if (r.start_time < earliest) earliest = r.start_time;
  return earliest.slice(0, 10);
}
