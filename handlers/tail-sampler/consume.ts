import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import type { OtlpExportRequest } from '../../src/otlp/types';
import type { Policies } from './config';
import type { DecisionStore, ParkedPart } from './decision-store';
import type { Forward } from './forwarder';
import { BadRecordError, decodeRecord, parseRequest, spansOf, type TracePart } from './parts';
import { inSampledFraction, interest, type KeepReason } from './policy';
import { RedMetrics } from './red-metrics';

export type Log = (level: 'error' | 'warn', message: string, fields?: Record<string, unknown>) => void;

export interface ConsumerDeps {
  policies: Policies;
  store: DecisionStore;
  forward: Forward;
  maxRequestBytes: number;
  metricsNamespace: string;
  /** Writes one embedded-metric-format line (stdout in Lambda). */
  emit: (line: string) => void;
  log: Log;
  now?: () => number;
}

/** A kept trace's spans to send together, and the records that fail if they cannot be sent. */
interface Unit {
  traceId: string;
  owners: TracePart[];
  requests: OtlpExportRequest[];
  jsonBytes: number;
  sent: string[];
  parkedKeys: string[];
}

interface Counters {
  Records: number;
  UndecodableRecords: number;
  KeptTraces: number;
  ParkedParts: number;
  ForwardedSpans: number;
  ForwardFailures: number;
  StoreFailures: number;
}

function decisionOf(parts: TracePart[], policies: Policies): KeepReason | undefined {
  return interest(parts.flatMap((p) => spansOf(p.request)), policies) ?? (inSampledFraction(parts[0]!.traceId, policies.sampleRatio) ? 'ratio' : undefined);
}

/** Packs units into requests of at most `maxBytes` of JSON (a larger unit goes alone). */
function pack(units: Unit[], maxBytes: number): Unit[][] {
  const groups: Unit[][] = [];
  let current: Unit[] = [];
  let bytes = 0;
  for (const unit of units) {
    if (current.length > 0 && bytes + unit.jsonBytes > maxBytes) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(unit);
    bytes += unit.jsonBytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * One batch of stream records, all from one shard. Per trace: kept when a part in the batch
 * is interesting (the decision is stored, and the trace's parked parts are swept out with
 * it), when its id is in the sampled fraction, or when an earlier part stored a decision;
 * otherwise the part is parked, to be sent if an interesting part comes later. Records whose
 * spans could not be sent or stored are reported as failed, so the stream redelivers them;
 * a record sent before is recognised by its marker and not sent again.
 */
export async function consumeBatch(records: KinesisStreamRecord[], deps: ConsumerDeps): Promise<KinesisStreamBatchResponse> {
  const failed = new Set<string>();
  const fail = (parts: TracePart[]): void => parts.forEach((p) => failed.add(p.sequenceNumber));
  const counters: Counters = { Records: records.length, UndecodableRecords: 0, KeptTraces: 0, ParkedParts: 0, ForwardedSpans: 0, ForwardFailures: 0, StoreFailures: 0 };

  const traces = new Map<string, TracePart[]>();
  for (const record of records) {
    try {
      const part = decodeRecord(record);
      traces.set(part.traceId, [...(traces.get(part.traceId) ?? []), part]);
    } catch (error) {
      if (!(error instanceof BadRecordError)) throw error;
      // Redelivery cannot mend it; the archive keeps the record for inspection.
      counters.UndecodableRecords++;
      deps.log('error', `record skipped: ${error.message}`, { recordId: record.eventID });
    }
  }
  const all = [...traces.values()].flat();

  const local = new Map<string, KeepReason | undefined>();
  for (const [traceId, parts] of traces) local.set(traceId, decisionOf(parts, deps.policies));
  const interesting = [...traces.keys()].filter((id) => local.get(id) !== undefined && local.get(id) !== 'ratio');
  let lookup;
  try {
    lookup = await deps.store.lookup(
      [...traces.keys()].filter((id) => local.get(id) === undefined),
      interesting,
      all.map((p) => ({ traceId: p.traceId, recordId: p.recordId })),
    );
    // Stored before anything is forwarded: a later part of these traces finds it.
    await deps.store.keep(interesting.map((traceId) => ({ traceId, reason: local.get(traceId)! })));
  } catch (error) {
    counters.StoreFailures++;
    deps.log('error', `decision store unavailable; the batch is redelivered: ${(error as Error).message}`);
    fail(all);
    return finish(all, failed, counters, deps);
  }

  const toPark: TracePart[] = [];
  const units: Unit[] = [];
  for (const [traceId, parts] of traces) {
    const reason = local.get(traceId) ?? lookup.decisions.get(traceId);
    if (!reason) {
      toPark.push(...parts);
      continue;
    }
    counters.KeptTraces++;
    const unsent = parts.filter((p) => !lookup.sent.has(p.recordId));
    const unit: Unit = { traceId, owners: parts, requests: unsent.map((p) => p.request), jsonBytes: unsent.reduce((n, p) => n + p.jsonBytes, 0), sent: unsent.map((p) => p.recordId), parkedKeys: [] };
    if (lookup.parked.has(traceId)) {
      try {
        const parked = await deps.store.parked(traceId);
        unit.parkedKeys.push(...parked.keys);
        addParked(unit, parked.parts, parts, deps.log);
      } catch (error) {
        counters.StoreFailures++;
        deps.log('error', `reading parked parts failed; the trace's records are redelivered: ${(error as Error).message}`, { traceId });
        fail(parts);
        continue;
      }
    }
    if (unit.requests.length > 0 || unit.parkedKeys.length > 0) units.push(unit);
  }

  if (toPark.length > 0) {
    try {
      await deps.store.park(toPark);
      counters.ParkedParts += toPark.length;
    } catch (error) {
      counters.StoreFailures++;
      deps.log('error', `parking routine parts failed; they are redelivered: ${(error as Error).message}`);
      fail(toPark);
    }
  }

  let backendDown = false;
  for (const group of pack(units, deps.maxRequestBytes)) {
    const requests = group.flatMap((u) => u.requests);
    if (requests.length > 0 && !backendDown) {
      try {
        await deps.forward({ resourceSpans: requests.flatMap((r) => r.resourceSpans) });
        counters.ForwardedSpans += requests.reduce((n, r) => n + spansOf(r).length, 0);
      } catch (error) {
        // Later groups would meet the same backend: they fail at once, and all are redelivered.
        backendDown = true;
        counters.ForwardFailures++;
        deps.log('warn', `forwarding failed; the records are redelivered: ${(error as Error).message}`);
      }
    }
    if (backendDown && requests.length > 0) {
      group.forEach((u) => fail(u.owners));
      continue;
    }
    try {
      await deps.store.markSent(
        group.flatMap((u) => u.sent.map((recordId) => ({ traceId: u.traceId, recordId }))),
        group.flatMap((u) => u.parkedKeys.map((key) => ({ traceId: u.traceId, key }))),
      );
    } catch (error) {
      // The spans are at the backend: failing the records would send them again. Without the
      // markers a redelivery of these records would, which is the lesser harm.
      counters.StoreFailures++;
      deps.log('warn', `forwarded, but the sent markers were not stored: ${(error as Error).message}`);
    }
  }
  return finish(all, failed, counters, deps);
}

/** Adds a trace's parked parts to its unit, except copies of records in this batch. */
function addParked(unit: Unit, parked: ParkedPart[], inBatch: TracePart[], log: Log): void {
  const here = new Set(inBatch.map((p) => p.recordId));
  for (const part of parked) {
    if (here.has(part.recordId)) continue;
    try {
      const { request, jsonBytes } = parseRequest(part.gzipped);
      unit.requests.push(request);
      unit.jsonBytes += jsonBytes;
      unit.sent.push(part.recordId);
    } catch (error) {
      log('error', `parked part dropped: ${(error as Error).message}`, { traceId: unit.traceId, recordId: part.recordId });
    }
  }
}

function finish(parts: TracePart[], failed: Set<string>, counters: Counters, deps: ConsumerDeps): KinesisStreamBatchResponse {
  // Counted once a record is done with, so a redelivered failure is not counted twice.
  const metrics = new RedMetrics();
  for (const part of parts) if (!failed.has(part.sequenceNumber)) metrics.add(part.request);
  for (const line of metrics.lines(deps.metricsNamespace, (deps.now ?? Date.now)(), { ...counters })) deps.emit(line);
  return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
}
