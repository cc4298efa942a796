import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import type { OtlpExportRequest, OtlpSpan } from '../../src/otlp/types';
import { keptLines, rootOf, type AdaptiveSampler, type Root } from './adaptive-sampler';
import type { Policies } from './config';
import { rangesOf, shardOf } from '../stream-batch';
import type { DecisionStore, Lookup, StoredPart } from './decision-store';
import type { Forward } from './forwarder';
import { decodeStreamRecord, StreamRecordError } from '../../src/otlp/stream-record';
import { forwardUnits, type ForwardCounters, type Unit } from './forward-units';
import { decodeRecords, spansOf, type TracePart } from './parts';
import { PipelineSlis } from './pipeline-slis';
import { piecesOf, type Piece } from './pieces';
import { inSampledFraction, interest, type Decision, type KeepReason } from './policy';
import { RedMetrics } from './red-metrics';
import { WEIGHT_BYTES_PER_SPAN, weightedPiece } from './sampling-weight';

import type { LedgerPart } from './sli-ledger';
import { dropSuperseded, isProvisional, withoutSuperseded } from './superseded';

export type Log = (level: 'error' | 'warn', message: string, fields?: Record<string, unknown>) => void;

export interface ConsumerDeps {
  policies: Policies;
  /** Adaptive sampling of routine traces, when configured; otherwise the fixed ratio. */
  sampler?: AdaptiveSampler | undefined;
  store: DecisionStore;
  forward: Forward;
  maxRequestBytes: number;
  /** How long a trace the backend does not take is redelivered before it is set aside. */
  retryWindowMs: number;
  metricsNamespace: string;
  /** Writes one embedded-metric-format line (stdout in Lambda). */
  emit: (line: string) => void;
  log: Log;
  now?: () => number;
}

interface Counters extends ForwardCounters {
  Records: number;
  UndecodableRecords: number;
  KeptTraces: number;
  ParkedParts: number;
}

/** A trace's parked parts, read at most once a batch, and their chunk items, to delete once they are forwarded. */
interface Parked {
  parts: Array<{ recordId: string; request: OtlpExportRequest; jsonBytes: number }>;
  chunks: string[];
}

/**
 * A provisional copy counts only while its real copy is not at hand: a reader keeps the real
 * one. Adaptive sampling decides by the root's operation, so a part without the root is
 * decided only by interest (or by a decision stored when its root was consumed).
 */
function judge(
  traceId: string,
  requests: OtlpExportRequest[],
  deps: ConsumerDeps,
): { decision: Decision | undefined; spans: OtlpSpan[]; found: KeepReason | undefined; root: Root | undefined } {
  const spans = withoutSuperseded(requests.flatMap(spansOf));
  const found = interest(spans, deps.policies);
  if (deps.sampler) {
    const root = rootOf(dropSuperseded(requests));
    return {
      decision: root ? deps.sampler.decide(traceId, root, found) : found && { reason: found, probability: 1 },
      spans,
      found,
      root,
    };
  }
  const decision: Decision | undefined = found
    ? { reason: found, probability: 1 }
    : inSampledFraction(traceId, deps.policies.sampleRatio)
      ? { reason: 'ratio', probability: deps.policies.sampleRatio }
      : undefined;
  return { decision, spans, found, root: undefined };
}

/**
 * Interesting (`found`, the spans' interest) only through provisional copies: their real copies
 * may be among the trace's parked parts. Without a provisional copy there is nothing to weigh again.
 */
function restsOnProvisional(spans: OtlpSpan[], found: KeepReason | undefined, policies: Policies): boolean {
  if (found === undefined || !spans.some(isProvisional)) return false;
  return (
    interest(
      spans.filter((s) => !isProvisional(s)),
      policies,
    ) === undefined
  );
}

/**
 * One batch of stream records, all from one shard. Per trace: kept when a part in the batch
 * is interesting, or, with adaptive sampling, when its root's operation's plan keeps it (the
 * decision is stored, and the trace's parked parts are swept out with it), when its id is in
 * the fixed ratio's sampled fraction, or when an earlier part stored a decision;
 * otherwise the part is parked, to be sent if an interesting part comes later. A provisional
 * copy of a span (the timeout guard's) whose real copy is in the batch or parked neither makes
 * its trace interesting nor is forwarded; nor is it counted in the RED metrics when the real
 * copy is in the batch. Kept spans go out in requests within the bound (forward-units.ts):
 * what the backend refuses for good is set aside; records whose spans the backend did not
 * take yet, or that could not be stored, are reported as failed, so the stream redelivers
 * them; a record (or slice) sent before is recognised by its marker and not sent again.
 */
export async function consumeBatch(
  records: KinesisStreamRecord[],
  deps: ConsumerDeps,
): Promise<KinesisStreamBatchResponse> {
  const failed = new Set<string>();
  const fail = (parts: TracePart[]): void => parts.forEach((p) => failed.add(p.sequenceNumber));
  const counters: Counters = {
    Records: records.length,
    UndecodableRecords: 0,
    KeptTraces: 0,
    ParkedParts: 0,
    ForwardedSpans: 0,
    ForwardRetries: 0,
    ForwardFailures: 0,
    RefusedSpans: 0,
    SetAsideSpans: 0,
    StoreFailures: 0,
  };

  const traces = new Map<string, TracePart[]>();
  // The SLI ledger's parts in stream order, per shard: a batch of undecodable records still
  // counts the traces whose wait has ended.
  const ledgerParts = new Map<string, LedgerPart[]>(records.map((r) => [shardOf(r.eventID), []]));
  const slis = new PipelineSlis();
  decodeRecords(records).forEach((part, i) => {
    const record = records[i]!;
    if (part instanceof StreamRecordError) {
      // Redelivery cannot mend it; the archive keeps the record for inspection.
      counters.UndecodableRecords++;
      deps.log('error', `record skipped: ${part.message}`, { recordId: record.eventID });
      return;
    }
    const parts = traces.get(part.traceId);
    if (parts) parts.push(part);
    else traces.set(part.traceId, [part]);
    ledgerParts.get(shardOf(record.eventID))!.push(part);
  });
  const all = [...traces.values()].flat();
  const ranges = rangesOf(all);
  const piecesOfPart = (
    p: { recordId: string; request: OtlpExportRequest; jsonBytes: number },
    traceId: string,
  ): Piece[] => piecesOf(traceId, p.recordId, p.request, p.jsonBytes, deps.maxRequestBytes, WEIGHT_BYTES_PER_SPAN);
  const pieces = new Map(all.map((p) => [p, piecesOfPart(p, p.traceId)]));
  const storeDown = (error: unknown): KinesisStreamBatchResponse => {
    counters.StoreFailures++;
    deps.log('error', `decision store unavailable; the batch is redelivered: ${(error as Error).message}`);
    fail(all);
    return finish(all, failed, counters, deps, slis);
  };
  const parkedReadFailed = (traceId: string, error: unknown): void => {
    counters.StoreFailures++;
    deps.log('error', `reading parked parts failed; the trace's records are redelivered: ${(error as Error).message}`, {
      traceId,
    });
    fail(traces.get(traceId)!);
  };

  try {
    for (const line of (await deps.sampler?.prepare(deps.metricsNamespace)) ?? []) deps.emit(line);
  } catch (error) {
    return storeDown(error);
  }
  const requestsOf = new Map([...traces].map(([traceId, parts]) => [traceId, parts.map((p) => p.request)]));
  const local = new Map<string, Decision | undefined>();
  const tentative = new Set<string>();
  for (const [traceId, requests] of requestsOf) {
    const { decision, spans, found, root } = judge(traceId, requests, deps);
    local.set(traceId, decision);
    if (root) deps.sampler!.count(traceId, root, found);
    if (restsOnProvisional(spans, found, deps.policies)) tentative.add(traceId);
  }
  // Kept by id alone (the fixed ratio), every part of a trace decides alike with no store;
  // any other decision is stored, and sweeps out the parts parked before it.
  const isInteresting = (id: string): boolean => local.get(id) !== undefined && local.get(id)!.reason !== 'ratio';
  let lookup: Lookup;
  try {
    lookup = await deps.store.lookup(
      // A tentative trace's stored decision counts if its provisional copies turn out superseded.
      [...traces.keys()].filter((id) => local.get(id) === undefined || tentative.has(id)),
      [...traces.keys()].filter(isInteresting),
      ranges,
      [...ledgerParts.keys()],
    );
  } catch (error) {
    return storeDown(error);
  }

  const parkedReads = new Map<string, Promise<Parked>>();
  const parkedOf = (traceId: string): Promise<Parked> => {
    const read =
      parkedReads.get(traceId) ?? readParked(deps, traceId, traces.get(traceId)!, lookup.parked.get(traceId)!);
    parkedReads.set(traceId, read);
    return read;
  };
  for (const traceId of [...tentative].filter((id) => lookup.parked.has(id))) {
    try {
      const parked = await parkedOf(traceId);
      local.set(
        traceId,
        judge(traceId, [...requestsOf.get(traceId)!, ...parked.parts.map((p) => p.request)], deps).decision,
      );
    } catch (error) {
      parkedReadFailed(traceId, error);
      traces.delete(traceId);
    }
  }
  try {
    // Stored before anything is forwarded: a later part of these traces finds it. A trace with
    // parts parked has its decision stored in their place once they are forwarded (markSent):
    // until then its records are not done with, and no later part is read before they are.
    const kept = [...traces.keys()].filter((id) => isInteresting(id) && !lookup.parked.has(id));
    await deps.store.keep(
      kept.map((traceId) => ({ traceId, ...local.get(traceId)! })),
      { parts: ledgerParts, slis },
    );
  } catch (error) {
    return storeDown(error);
  }

  const toPark: TracePart[] = [];
  const units: Unit[] = [];
  for (const [traceId, parts] of traces) {
    const decision = local.get(traceId) ?? lookup.decisions.get(traceId);
    if (!decision) {
      toPark.push(...parts);
      continue;
    }
    counters.KeptTraces++;
    const unsent = parts.flatMap((p) => pieces.get(p)!).filter((piece) => !lookup.sent.has(piece.key));
    const unit: Unit = { traceId, decision, owners: parts, pieces: unsent };
    const among = parts.map((p) => p.request);
    if (lookup.parked.has(traceId)) {
      try {
        const parked = await parkedOf(traceId);
        unit.sweep = parked.chunks;
        // A parked part half forwarded before (while its trace was failing) is in a sent set
        // of this batch's earlier delivery: only the rest goes.
        unit.pieces.push(
          ...parked.parts.flatMap((part) => piecesOfPart(part, traceId)).filter((piece) => !lookup.sent.has(piece.key)),
        );
        among.push(...parked.parts.map((part) => part.request));
      } catch (error) {
        parkedReadFailed(traceId, error);
        continue;
      }
    }
    // The backend cannot tell a provisional copy from the real one: only the real one goes.
    const requests = dropSuperseded(
      unit.pieces.map((piece) => piece.request),
      among,
    );
    // Each span says how many it stands for, so the backend can scale its counts back.
    unit.pieces = unit.pieces.map((piece, i) =>
      weightedPiece({ ...piece, request: requests[i]! }, decision.probability),
    );
    if (unit.pieces.length > 0 || unit.sweep) units.push(unit);
  }

  if (toPark.length > 0) {
    try {
      await deps.store.park(toPark, lookup.parked);
      counters.ParkedParts += toPark.length;
    } catch (error) {
      counters.StoreFailures++;
      deps.log('error', `parking routine parts failed; they are redelivered: ${(error as Error).message}`);
      fail(toPark);
    }
  }

  fail(await forwardUnits(units, { ...deps, now: deps.now ?? Date.now, ranges }, counters));
  try {
    await deps.sampler?.flush();
  } catch (error) {
    counters.StoreFailures++;
    deps.log(
      'warn',
      `storing the sampling counts failed; the next plan misses this batch: ${(error as Error).message}`,
    );
  }
  if (deps.sampler)
    for (const line of keptLines(deps.metricsNamespace, (deps.now ?? Date.now)(), keptPerOperation(units, failed)))
      deps.emit(line);
  return finish(all, failed, counters, deps, slis);
}

/** Kept traces whose root went out in this batch, per root operation (a trace's root goes once). */
function keptPerOperation(units: Unit[], failed: Set<string>): Map<string, number> {
  const kept = new Map<string, number>();
  for (const unit of units) {
    if (unit.owners.some((p) => failed.has(p.sequenceNumber))) continue;
    const root = rootOf(unit.pieces.map((piece) => piece.request));
    if (root) kept.set(root.key, (kept.get(root.key) ?? 0) + 1);
  }
  return kept;
}

/** A trace's parked parts, parsed, except copies of records in this batch. */
async function readParked(
  deps: ConsumerDeps,
  traceId: string,
  inBatch: TracePart[],
  stored: StoredPart[],
): Promise<Parked> {
  const { parts, chunks } = await deps.store.parked(traceId, stored);
  const here = new Set(inBatch.map((p) => p.recordId));
  const parsed: Parked['parts'] = [];
  for (const part of parts) {
    if (here.has(part.recordId)) continue;
    try {
      parsed.push({ recordId: part.recordId, ...decodeStreamRecord(part.gzipped) });
    } catch (error) {
      deps.log('error', `parked part dropped: ${(error as Error).message}`, { traceId, recordId: part.recordId });
    }
  }
  return { parts: parsed, chunks };
}

/** The batch's metric lines: RED metrics and counters from its records, and the pipeline SLIs the SLI ledger counted (`slis`). */
function finish(
  parts: TracePart[],
  failed: Set<string>,
  counters: Counters,
  deps: ConsumerDeps,
  slis: PipelineSlis,
): KinesisStreamBatchResponse {
  // Counted once a record is done with, so a redelivered failure is not counted twice.
  // A span counts once, by its real copy when the batch has it; were that copy's record to
  // fail, the provisional one is not counted either, and the redelivery counts the real one.
  const metrics = new RedMetrics();
  const requests = dropSuperseded(parts.map((p) => p.request));
  const byTrace = new Map<string, OtlpExportRequest[]>();
  parts.forEach((part, i) => {
    if (failed.has(part.sequenceNumber)) return;
    byTrace.set(part.traceId, [...(byTrace.get(part.traceId) ?? []), requests[i]!]);
  });
  for (const traceRequests of byTrace.values()) metrics.add(...traceRequests);
  const now = (deps.now ?? Date.now)();
  for (const line of [
    ...metrics.lines(deps.metricsNamespace, now, { ...counters }),
    ...slis.lines(deps.metricsNamespace, now),
  ])
    deps.emit(line);
  return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
}
