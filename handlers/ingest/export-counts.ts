import { HoptraceAttribute } from '../../src/otlp/hoptrace-attributes';
import { stampReceived } from '../../src/otlp/stream-record';
import type { OtlpEntity, ResourceGroup } from '../../src/otlp/types';
import { plainValue, serviceNameOf } from '../../src/otlp/values';
import { emfLine } from '../embedded-metrics';

/** What one resource of a request says its sender sent, and the sender's trouble since its last export. */
export interface ExportCounts {
  service: string;
  /** The exporter's declared count; from another sender, the spans that arrived. */
  sent: number;
  spooled: number;
  dropped: number;
  breakerOpens: number;
}

/** A stamp's value: a non-negative integer, else 0 (a sender's stamp is not trusted further). */
function count(resource: OtlpEntity, key: string): number | undefined {
  const kv = resource.attributes?.find((a) => a.key === key);
  if (kv === undefined) return undefined;
  const value = plainValue(kv.value);
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/** The counts of one resource as it arrived (before its spans were checked: a rejected span was still sent). */
export function exportCountsOf(resource: OtlpEntity, arrivedSpans: number): ExportCounts {
  return {
    service: serviceNameOf(resource.attributes),
    sent: count(resource, HoptraceAttribute.ExportSpans) ?? arrivedSpans,
    spooled: count(resource, HoptraceAttribute.ExportSpansSpooled) ?? 0,
    dropped: count(resource, HoptraceAttribute.ExportSpansDropped) ?? 0,
    breakerOpens: count(resource, HoptraceAttribute.ExportBreakerOpens) ?? 0,
  };
}

/**
 * The resources as they are stored: the exporter's stamps describe one request, not its spans,
 * and go; the ingest's receipt time is stamped in their place.
 */
export function stampReceipt(groups: ResourceGroup[], receivedMs: number): void {
  for (const group of groups) {
    group.resource.attributes = (group.resource.attributes ?? []).filter(
      (kv) => !kv.key.startsWith(HoptraceAttribute.ExportPrefix),
    );
    stampReceived(group.resource, receivedMs);
  }
}

const METRICS = [
  { Name: 'SpansSent', Unit: 'Count' },
  { Name: 'SpansSpooled', Unit: 'Count' },
  { Name: 'SpansDropped', Unit: 'Count' },
  { Name: 'BreakerOpens', Unit: 'Count' },
] as const;

/**
 * What the senders of one accepted request say, as embedded metric format lines per service
 * and for the pipeline: written once per request here, where the whole request is at hand,
 * not by the stream's consumers, which see it split by trace across shards.
 */
export function exportMetricLines(counts: readonly ExportCounts[], namespace: string, timestamp: number): string[] {
  const sum = (list: readonly ExportCounts[]) => ({
    SpansSent: list.reduce((n, c) => n + c.sent, 0),
    SpansSpooled: list.reduce((n, c) => n + c.spooled, 0),
    SpansDropped: list.reduce((n, c) => n + c.dropped, 0),
    BreakerOpens: list.reduce((n, c) => n + c.breakerOpens, 0),
  });
  const services = [...new Set(counts.map((c) => c.service))];
  return [
    ...services.map((service) =>
      emfLine(namespace, timestamp, ['service'], METRICS, {
        service,
        ...sum(counts.filter((c) => c.service === service)),
      }),
    ),
    emfLine(namespace, timestamp, [], METRICS, sum(counts)),
  ];
}
