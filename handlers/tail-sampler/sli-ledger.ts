import { gunzipSync, gzipSync } from 'node:zlib';
import type { OtlpExportRequest } from '../../src/otlp/types';
import { spanFactsOf, type PipelineSlis, type SpanFacts } from './pipeline-slis';
import { compareSequence } from '../stream-batch';

/**
 * The pipeline SLIs' memory across batches, per shard. A trace's wait starts at the first batch
 * that holds a part of it and lasts `waitMs`; the trace is counted once, by the first batch of
 * its shard after the wait ends, over every span that arrived within it (each span id once, by
 * its real copy when the timeout guard also sent a provisional one). A part of it that comes
 * later, within one more wait, is counted as late (`LateSpans`); after that, it starts a trace
 * of its own. Span copies are counted as stored when a record is first consumed: a record at or
 * below the highest sequence number already folded in is a redelivery, and counts for nothing.
 *
 * Each batch is one entry: the batch's time and its new records, each with its trace's due time
 * as this batch judged it. The sandbox holds the state in memory; the table holds the entries
 * (sli-store in decision-store.ts) so that another sandbox taking the shard over replays them to
 * the same state: replay needs no clock of its own and judges no part again. An entry is
 * dropped once 2 waits older than the newest: by then every trace it names is counted and past
 * its late window, and no later replay reads its records.
 */

export interface LedgerRecord {
  sequenceNumber: string;
  traceId: string;
  /** When the trace's wait ends (ms). At or before the entry's time: the part is late. */
  due: number;
  spans: SpanFacts[];
}

export interface LedgerEntry {
  /** Per shard, 1, 2, 3…: the order entries are applied in. */
  n: number;
  /** The batch's time (ms), never before the entry's before it. */
  at: number;
  records: LedgerRecord[];
}

interface Trace {
  due: number;
  counted: boolean;
  spans: Map<string, SpanFacts>;
}

interface Shard {
  /** The last entry applied (0: none). */
  n: number;
  at: number;
  /** The highest sequence number folded in. */
  through: string | undefined;
  traces: Map<string, Trace>;
  /** The entries applied, oldest first, with the number of items each is stored in. */
  entries: Array<{ n: number; at: number; chunks: number }>;
}

/** A part of a batch, as the ledger takes it. */
export interface LedgerPart {
  traceId: string;
  sequenceNumber: string;
  request: OtlpExportRequest;
}

export class SliLedger {
  private readonly shards = new Map<string, Shard>();

  constructor(readonly waitMs: number) {}

  private shard(id: string): Shard {
    let s = this.shards.get(id);
    if (!s) this.shards.set(id, (s = { n: 0, at: 0, through: undefined, traces: new Map(), entries: [] }));
    return s;
  }

  /** The last entry this sandbox applied for the shard (0: none). */
  last(shard: string): number {
    return this.shards.get(shard)?.n ?? 0;
  }

  /** Drops what the sandbox holds of the shard: the next batch replays it from the table. */
  forget(shard: string): void {
    this.shards.delete(shard);
  }

  /** Whether an entry of time `at` would count a trace: one is needed even with no new records. */
  countsAt(shard: string, at: number): boolean {
    for (const trace of this.shards.get(shard)?.traces.values() ?? [])
      if (!trace.counted && trace.due <= at) return true;
    return false;
  }

  /** The batch's entry for the shard: what `apply` folds in once it is stored. */
  prepare(shard: string, nowMs: number, parts: readonly LedgerPart[]): LedgerEntry {
    const s = this.shard(shard);
    const at = Math.max(nowMs, s.at);
    const opened = new Map<string, number>();
    const records: LedgerRecord[] = [];
    for (const part of [...parts].sort((a, b) => compareSequence(a.sequenceNumber, b.sequenceNumber))) {
      if (s.through !== undefined && compareSequence(part.sequenceNumber, s.through) <= 0) continue;
      const trace = s.traces.get(part.traceId);
      // A trace past its late window is forgotten at this batch: the part starts it again.
      let due = trace && trace.due + this.waitMs > at ? trace.due : opened.get(part.traceId);
      if (due === undefined) opened.set(part.traceId, (due = at + this.waitMs));
      records.push({
        sequenceNumber: part.sequenceNumber,
        traceId: part.traceId,
        due,
        spans: spanFactsOf(part.request),
      });
    }
    return { n: s.n + 1, at, records };
  }

  /**
   * Folds an entry in: first the traces whose wait ended by its time are counted (into `out`, when
   * given: a replay counts nothing, the batch that wrote the entry did), then its records.
   */
  apply(shard: string, entry: LedgerEntry, chunks: number, out?: PipelineSlis): void {
    const s = this.shard(shard);
    for (const [traceId, trace] of s.traces) {
      if (!trace.counted && trace.due <= entry.at) {
        trace.counted = true;
        out?.trace(trace.spans);
      }
      if (trace.due + this.waitMs <= entry.at) s.traces.delete(traceId);
    }
    for (const record of entry.records) {
      if (s.through !== undefined && compareSequence(record.sequenceNumber, s.through) <= 0) continue;
      s.through = record.sequenceNumber;
      let trace = s.traces.get(record.traceId);
      if (!trace) {
        trace = { due: record.due, counted: record.due <= entry.at, spans: new Map() };
        s.traces.set(record.traceId, trace);
      }
      for (const span of record.spans) {
        out?.stored(span);
        const had = trace.spans.get(span.spanId);
        if (had && !(had.provisional && !span.provisional)) continue;
        trace.spans.set(span.spanId, span);
        if (trace.counted && !had) out?.late(span);
      }
    }
    s.n = entry.n;
    s.at = entry.at;
    s.entries = [...s.entries.filter((e) => !this.isSettled(e, entry.at)), { n: entry.n, at: entry.at, chunks }];
  }

  private isSettled(entry: { at: number }, at: number): boolean {
    return entry.at <= at - 2 * this.waitMs;
  }

  /** The entries no replay needs once an entry of time `at` is stored (2 waits older): to delete with it. */
  settled(shard: string, at: number): Array<{ n: number; chunks: number }> {
    return (this.shards.get(shard)?.entries ?? []).filter((e) => this.isSettled(e, at));
  }
}

// An entry as stored: gzipped JSON, span ids and parents as they came, services by index.
type StoredSpan = [spanId: string, parent: string, service: number, flags: number, latencyMs: number];
type StoredRecord = [sequenceNumber: string, traceId: string, due: number, spans: StoredSpan[]];
const ERROR = 1;
const PROVISIONAL = 2;
// A chunk is cut past this much JSON, one record more at most (a record is at most 1 MiB of
// OTLP JSON, its facts far less): below DynamoDB's 400 KB item once gzipped.
const CHUNK_JSON_CHARS = 256 * 1024;

/** An entry's records as gzipped chunks of at most CHUNK_JSON_CHARS of JSON each (at least one). */
export function encodeEntry(entry: LedgerEntry): Buffer[] {
  const chunks: Buffer[] = [];
  let services = new Map<string, number>();
  // Each record stringified once: for the chunk's size, and as the chunk's text.
  let records: string[] = [];
  let chars = 0;
  const flush = (): void => {
    const json = `{"services":${JSON.stringify([...services.keys()])},"records":[${records.join(',')}]}`;
    chunks.push(gzipSync(json, { level: 1 }));
    services = new Map();
    records = [];
    chars = 0;
  };
  for (const record of entry.records) {
    if (records.length > 0 && chars > CHUNK_JSON_CHARS) flush();
    const spans = record.spans.map((span): StoredSpan => {
      let service = services.get(span.service);
      if (service === undefined) services.set(span.service, (service = services.size));
      const flags = (span.error ? ERROR : 0) | (span.provisional ? PROVISIONAL : 0);
      return [span.spanId, span.parent ?? '', service, flags, span.latencyMs ?? -1];
    });
    const stored: StoredRecord = [record.sequenceNumber, record.traceId, record.due, spans];
    const json = JSON.stringify(stored);
    records.push(json);
    chars += json.length;
  }
  flush();
  return chunks;
}

/** The records of an entry's chunks, in order. */
export function decodeEntry(chunks: readonly Uint8Array[]): LedgerRecord[] {
  return chunks.flatMap((chunk) => {
    const { services, records } = JSON.parse(gunzipSync(chunk).toString('utf8')) as {
      services: string[];
      records: StoredRecord[];
    };
    return records.map(([sequenceNumber, traceId, due, spans]) => ({
      sequenceNumber,
      traceId,
      due,
      spans: spans.map(([spanId, parent, service, flags, latencyMs]) => ({
        spanId,
        service: services[service]!,
        parent: parent || undefined,
        error: (flags & ERROR) !== 0,
        provisional: (flags & PROVISIONAL) !== 0,
        latencyMs: latencyMs < 0 ? undefined : latencyMs,
      })),
    }));
  });
}
