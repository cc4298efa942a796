import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { Policies } from '../../handlers/tail-sampler/config';
import { consumeBatch } from '../../handlers/tail-sampler/consume';
import { DecisionStore } from '../../handlers/tail-sampler/decision-store';
import { encodeStreamRecord, stampReceived } from '../../src/otlp/stream-record';
import { OtlpSpanKind, OtlpStatusCode, type OtlpExportRequest, type OtlpSpan } from '../../src/otlp/types';

// Synthetic span streams with known answers: traces planned span by span, cut into the parts
// their services flush, written as the ingest writes stream records (receipt time stamped),
// and dealt into the batches a consumer receives. Faults are the caller's: leave a part out
// (a lost flush), deal it twice (a duplicate), or into a later batch (a late part).

/** One span of a planned trace; times in ms from the trace's start. */
export interface SpanPlan {
  /** A name for the span the rest of the plan refers to (`parent`). */
  id: string;
  service: string;
  name: string;
  parent?: string;
  kind?: OtlpSpanKind;
  startMs?: number;
  durationMs: number;
  error?: boolean;
  coldStart?: boolean;
  /** The timeout guard's copy (`hoptrace.provisional`). */
  provisional?: boolean;
}

export interface SyntheticSpan {
  service: string;
  span: OtlpSpan;
}

export interface SyntheticTrace {
  traceId: string;
  /** Plan id → span id. */
  ids: Map<string, string>;
  spans: SyntheticSpan[];
  /** The spans of one service: what its function flushes. */
  part(service: string): SyntheticSpan[];
}

const hexOf = (seed: string, chars: number): string => createHash('sha256').update(seed).digest('hex').slice(0, chars);

/** Ms since the epoch as OTLP nanoseconds, to the microsecond. */
const nanos = (ms: number): string => `${Math.round(ms * 1000)}000`;

export class SyntheticStream {
  private traces = 0;
  private sequence = 0;

  constructor(
    private readonly seed = 'synthetic',
    /** When the first trace starts, ms since the epoch. */
    readonly t0Ms = 1_800_000_000_000,
  ) {}

  /** A trace id, deterministic in the seed and count; `accept` picks among candidates (e.g. in or out of a sampled fraction). */
  traceId(accept: (id: string) => boolean = () => true): string {
    for (;;) {
      const id = hexOf(`${this.seed}-trace-${this.traces++}`, 32);
      if (accept(id)) return id;
    }
  }

  /** A trace from its plan, starting `atMs` after t0. */
  trace(plan: readonly SpanPlan[], atMs = 0, traceId = this.traceId()): SyntheticTrace {
    const ids = new Map(plan.map((p) => [p.id, hexOf(`${traceId}-${p.id}`, 16)]));
    const spans = plan.map((p): SyntheticSpan => {
      const start = this.t0Ms + atMs + (p.startMs ?? 0);
      const attributes = [
        ...(p.coldStart !== undefined ? [{ key: 'faas.coldstart', value: { boolValue: p.coldStart } }] : []),
        ...(p.provisional ? [{ key: 'hoptrace.provisional', value: { boolValue: true } }] : []),
      ];
      const span: OtlpSpan = {
        traceId,
        spanId: ids.get(p.id)!,
        ...(p.parent !== undefined ? { parentSpanId: ids.get(p.parent) ?? hexOf(`${traceId}-${p.parent}`, 16) } : {}),
        name: p.name,
        kind: p.kind ?? (p.parent === undefined ? OtlpSpanKind.Server : OtlpSpanKind.Internal),
        startTimeUnixNano: nanos(start),
        endTimeUnixNano: nanos(start + p.durationMs),
        attributes,
        droppedAttributesCount: 0,
        events: [],
        droppedEventsCount: 0,
        links: [],
        droppedLinksCount: 0,
        status: { code: p.error ? OtlpStatusCode.Error : OtlpStatusCode.Unset },
      };
      return { service: p.service, span };
    });
    return { traceId, ids, spans, part: (service) => spans.filter((s) => s.service === service) };
  }

  /** Spans as the ingest writes them: one resource per service, received at `receivedMs` (ms since the epoch; undefined: no stamp, as before the ingest stamped it). */
  request(spans: readonly SyntheticSpan[], receivedMs?: number): OtlpExportRequest {
    const services = [...new Set(spans.map((s) => s.service))];
    return {
      resourceSpans: services.map((service) => {
        const resource = { attributes: [{ key: 'service.name', value: { stringValue: service } }] };
        if (receivedMs !== undefined) stampReceived(resource, receivedMs);
        return {
          resource,
          scopeSpans: [
            { scope: { name: 'synthetic' }, spans: spans.filter((s) => s.service === service).map((s) => s.span) },
          ],
        };
      }),
    };
  }

  /** One stream record of one trace's spans, as the event source mapping hands it over. */
  record(spans: readonly SyntheticSpan[], receivedMs?: number): KinesisStreamRecord {
    const traceId = spans[0]!.span.traceId;
    return this.recordOf(traceId, encodeStreamRecord(this.request(spans, receivedMs)));
  }

  /** The same data again under a new sequence number: the stream holding a record twice. */
  again(record: KinesisStreamRecord): KinesisStreamRecord {
    return this.recordOf(record.kinesis.partitionKey, Buffer.from(record.kinesis.data, 'base64'));
  }

  private recordOf(traceId: string, data: Buffer): KinesisStreamRecord {
    const sequenceNumber = String(++this.sequence).padStart(20, '0');
    return {
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventSource: 'aws:kinesis',
      eventName: 'aws:kinesis:record',
      eventVersion: '1.0',
      eventSourceARN: 'arn:aws:kinesis:eu-west-1:123456789012:stream/synthetic',
      awsRegion: 'eu-west-1',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/synthetic',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: traceId,
        sequenceNumber,
        data: data.toString('base64'),
        approximateArrivalTimestamp: 0,
      },
    };
  }
}

/** Records as one Kinesis event (one batch). */
export const batchOf = (records: KinesisStreamRecord[]): KinesisStreamEvent => ({ Records: records });

/** What the tail sampler wrote and forwarded for one batch, with a store that has seen nothing and a backend that takes everything. */
export async function consumeFresh(
  records: KinesisStreamRecord[],
  policies: Policies,
): Promise<{ lines: string[]; forwarded: OtlpSpan[] }> {
  const lines: string[] = [];
  const forwarded: OtlpSpan[] = [];
  const store = {
    lookup: async () => ({ decisions: new Map(), parked: new Set(), failing: new Set(), sent: new Set() }),
    keep: async () => undefined,
    park: async () => undefined,
    parked: async () => ({ parts: [], chunks: [] }),
    markSent: async () => undefined,
  } as unknown as DecisionStore;
  await consumeBatch(records, {
    policies,
    store,
    forward: async (request) =>
      void forwarded.push(...request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))),
    maxRequestBytes: 1 << 20,
    retryWindowMs: 300_000,
    metricsNamespace: 'hoptrace',
    emit: (line) => lines.push(line),
    log: () => undefined,
  });
  return { lines, forwarded };
}

/**
 * One consumer sandbox over a decision table (test/helpers/memory-table.ts, or dynalite's
 * client), its clock `clock.now` (ms): each call consumes one batch, with a backend that takes
 * everything, and gives the metric lines it wrote. Two sandboxes over one table are a shard
 * handed from one to the other.
 */
export function sandbox(
  client: DynamoDBClient,
  clock: { now: number },
  policies: Policies,
  sliWaitSeconds = 60,
): (records: KinesisStreamRecord[]) => Promise<string[]> {
  const now = (): number => clock.now;
  const store = new DecisionStore(
    client,
    {
      table: 'decisions',
      decisionTtlSeconds: 3600,
      parkTtlSeconds: 900,
      sentTtlSeconds: 48 * 3600,
      asideTtlSeconds: 3600,
      sliWaitSeconds,
    },
    now,
  );
  return async (records) => {
    const lines: string[] = [];
    const { batchItemFailures } = await consumeBatch(records, {
      policies,
      store,
      forward: async () => undefined,
      maxRequestBytes: 1 << 20,
      retryWindowMs: 300_000,
      metricsNamespace: 'hoptrace',
      emit: (line) => lines.push(line),
      log: () => undefined,
      now,
    });
    if (batchItemFailures.length > 0) throw new Error(`${batchItemFailures.length} record(s) failed`);
    return lines;
  };
}
