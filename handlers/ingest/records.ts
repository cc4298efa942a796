import { encodeStreamRecord, MAX_RECORD_BYTES } from '../../src/otlp/stream-record';
import type { OtlpExportRequest, OtlpSpan, ResourceGroup } from '../../src/otlp/types';

/** One Kinesis record: the spans of one trace, as gzipped OTLP JSON. */
export interface StreamRecord {
  partitionKey: string;
  data: Buffer;
  spans: number;
}

interface Placed {
  group: number;
  scope: number;
  span: OtlpSpan;
}

function encode(groups: ResourceGroup[], placed: Placed[]): Buffer {
  const byGroup = new Map<number, Map<number, OtlpSpan[]>>();
  for (const { group, scope, span } of placed) {
    let scopes = byGroup.get(group);
    if (!scopes) byGroup.set(group, (scopes = new Map()));
    let spans = scopes.get(scope);
    if (!spans) scopes.set(scope, (spans = []));
    spans.push(span);
  }
  const resourceSpans: OtlpExportRequest['resourceSpans'] = [...byGroup].map(([g, scopes]) => {
    const { resource, schemaUrl } = groups[g]!;
    return {
      resource,
      ...(schemaUrl ? { schemaUrl } : {}),
      scopeSpans: [...scopes].map(([s, spans]) => {
        const scope = groups[g]!.scopes[s]!;
        return { scope: scope.scope, ...(scope.schemaUrl ? { schemaUrl: scope.schemaUrl } : {}), spans };
      }),
    };
  });
  return encodeStreamRecord({ resourceSpans });
}

/**
 * One record per trace (partition key = trace id, so a trace stays on one shard; the order of
 * its records is not kept), each an `ExportTraceServiceRequest` holding only that trace's
 * spans, gzipped. A trace over 1 MiB is split into several records; a span that alone
 * exceeds it is counted in `oversized`.
 */
export function buildRecords(groups: ResourceGroup[]): { records: StreamRecord[]; oversized: number } {
  const byTrace = new Map<string, Placed[]>();
  groups.forEach((g, group) =>
    g.scopes.forEach((s, scope) =>
      s.spans.forEach((span) => {
        let list = byTrace.get(span.traceId);
        if (!list) byTrace.set(span.traceId, (list = []));
        list.push({ group, scope, span });
      }),
    ),
  );
  const records: StreamRecord[] = [];
  let oversized = 0;
  const place = (traceId: string, placed: Placed[]): void => {
    const data = encode(groups, placed);
    if (data.length + traceId.length <= MAX_RECORD_BYTES) {
      records.push({ partitionKey: traceId, data, spans: placed.length });
    } else if (placed.length === 1) {
      oversized++;
    } else {
      const half = Math.ceil(placed.length / 2);
      place(traceId, placed.slice(0, half));
      place(traceId, placed.slice(half));
    }
  };
  for (const [traceId, placed] of byTrace) place(traceId, placed);
  return { records, oversized };
}
