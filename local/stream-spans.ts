import { gunzipSync } from 'node:zlib';
import type { OtlpExportRequest } from '../src/otlp/types';
import { PROVISIONAL_ATTRIBUTE } from '../src/otlp/provisional';
import { attributeMap } from '../src/otlp/values';
import type { StoredRecord } from './kinesis';

/** A span read back from the stream, with the service that sent it. */
export interface StreamSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
}

/**
 * Decodes stream records (gzipped OTLP JSON, one trace each) into spans. At-least-once
 * delivery may repeat a span: duplicates by (traceId, spanId) are dropped, as a consumer must,
 * except that a span's real end replaces a provisional copy the timeout guard sent.
 */
export function spansFromRecords(records: StoredRecord[]): StreamSpan[] {
  const seen = new Map<string, number>();
  const spans: StreamSpan[] = [];
  for (const record of records) {
    const body = JSON.parse(gunzipSync(record.data).toString('utf8')) as OtlpExportRequest;
    for (const rs of body.resourceSpans) {
      const service = String(attributeMap(rs.resource?.attributes)['service.name'] ?? 'unknown');
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          const key = `${String(s.traceId)}/${String(s.spanId)}`;
          const attributes = attributeMap(s.attributes);
          const kept = seen.get(key);
          if (kept !== undefined && (attributes[PROVISIONAL_ATTRIBUTE] === true || spans[kept]!.attributes[PROVISIONAL_ATTRIBUTE] !== true)) continue;
          seen.set(key, kept ?? spans.length);
          spans[kept ?? spans.length] = {
            service,
            traceId: String(s.traceId),
            spanId: String(s.spanId),
            ...(s.parentSpanId ? { parentSpanId: String(s.parentSpanId) } : {}),
            name: String(s.name),
            kind: Number(s.kind ?? 0),
            startNs: BigInt(String(s.startTimeUnixNano)),
            endNs: BigInt(String(s.endTimeUnixNano)),
            attributes,
            status: s.status ?? { code: 0 },
          };
        }
      }
    }
  }
  return spans;
}
