import { gzipSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { consumeBatch } from '../../handlers/tail-sampler/consume';
import type { DecisionStore, StoredPart, Swept } from '../../handlers/tail-sampler/decision-store';
import { spansOf } from '../../handlers/tail-sampler/parts';
import type { OtlpExportRequest, OtlpSpan } from '../../src/otlp/types';

const POLICIES = { keepErrors: true, latencyThresholdMs: 1000, keepColdStarts: true, sampleRatio: 0 };
const PARKED = 'a'.repeat(32);
const FRESH = 'b'.repeat(32);

function request(traceId: string, spanId: string, error: boolean): OtlpExportRequest {
  const span: OtlpSpan = {
    traceId,
    spanId,
    name: 'op',
    kind: 2,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000100000000',
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: error ? 2 : 0 },
  };
  return { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 's' }, spans: [span] }] }] };
}
const gzipped = (r: OtlpExportRequest): Buffer => gzipSync(JSON.stringify(r));
const record = (n: number, traceId: string, r: OtlpExportRequest): KinesisStreamRecord =>
  ({
    eventID: `shardId-0:${n}`,
    kinesis: { data: gzipped(r).toString('base64'), partitionKey: traceId, sequenceNumber: String(n) },
  }) as KinesisStreamRecord;

/** A batch with an error part of a trace that has a routine part parked, and one of a trace that has none. */
async function consume(markSent: (pieces: string[], swept: Swept[]) => Promise<void>) {
  const kept: string[] = [];
  const forwarded: string[] = [];
  const routine = gzipped(request(PARKED, '0'.repeat(16), false));
  const parked = new Map<string, StoredPart[]>([[PARKED, [{ recordId: 'shardId-0:0', data: routine }]]]);
  const store = {
    lookup: async () => ({ decisions: new Map(), parked, sent: new Set() }),
    keep: async (decisions: Array<{ traceId: string }>) => void kept.push(...decisions.map((d) => d.traceId)),
    park: async () => undefined,
    parked: async (_: string, stored: StoredPart[]) => ({
      parts: stored.map((p) => ({ recordId: p.recordId, gzipped: p.data! })),
      chunks: [],
    }),
    markSent,
  } as unknown as DecisionStore;
  const records = [
    record(1, PARKED, request(PARKED, '1'.repeat(16), true)),
    record(2, FRESH, request(FRESH, '2'.repeat(16), true)),
  ];
  const result = await consumeBatch(records, {
    policies: POLICIES,
    store,
    forward: async (r) => void forwarded.push(...spansOf(r).map((s) => s.spanId)),
    maxRequestBytes: 1 << 20,
    retryWindowMs: 300_000,
    metricsNamespace: 'hoptrace',
    emit: () => undefined,
    log: () => undefined,
  });
  return { failed: result.batchItemFailures.map((f) => f.itemIdentifier), kept, forwarded };
}

describe('a kept trace with parts parked', () => {
  it('has its decision stored with the sweep of its parked parts, after they are forwarded, not before', async () => {
    const sweeps: Swept[] = [];
    const out = await consume(async (_, swept) => void sweeps.push(...swept));
    expect(out.failed).toEqual([]);
    expect(out.kept).toEqual([FRESH]);
    expect(out.forwarded.sort()).toEqual(['0'.repeat(16), '1'.repeat(16), '2'.repeat(16)]);
    expect(sweeps).toEqual([{ traceId: PARKED, decision: { reason: 'error', probability: 1 }, chunks: [] }]);
  });

  it('is redelivered when the sweep cannot be stored, so that its decision is; one stored before is not', async () => {
    const out = await consume(async () => {
      throw new Error('ProvisionedThroughputExceededException');
    });
    expect(out.failed).toEqual(['1']);
    expect(out.kept).toEqual([FRESH]);
  });
});
