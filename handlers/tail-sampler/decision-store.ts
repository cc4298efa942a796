import { randomUUID } from 'node:crypto';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type AttributeValue,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { backoffMs } from '../../src/backoff';
import { shardOf, type ShardRange } from '../stream-batch';
import { KnownDecisions } from './known-decisions';
import { decodeParkedParts, encodeParkedParts, type StoredPart } from './parked-parts';
import type { PipelineSlis } from './pipeline-slis';
import { queryItems } from './query-items';
import { decodeEntry, encodeEntry, SliLedger, type LedgerEntry, type LedgerPart } from './sli-ledger';
import type { Decision, KeepReason } from './policy';

/**
 * The table holds, per trace (`pk` = trace id), items each expiring by DynamoDB TTL on `expiresAt`:
 * - `trace`: one of two things, so that one read in the batch's lookup round brings either.
 *   Until the trace is kept, its routine parts, parked until an interesting part arrives and
 *   forwards them, or left to expire when none does: each part in the item itself (`parts`,
 *   one binary attribute: parked-parts.ts), or, when large, in `part#<recordId>#<n>` chunks
 *   the item names. Once it is kept, the decision (`reason`, `probability`), which later
 *   parts look up; it replaces the parked parts once they are forwarded.
 * - `aside#<piece>#<n>`: spans the backend refused for good, or did not take within the retry
 *   window, kept with the `reason` for someone to look at (`aws dynamodb query`, pk = trace id).
 * - `failing`: since when (`since`, ms) the trace's spans have not reached the backend.
 *
 * and per shard (`pk` = `shard#<shardId>`):
 * - `sent#<last sequence number of the batch>#<invocation>#<n>`: the pieces (records, or the
 *   k-th slice of a record, `<recordId>#k`) one invocation forwarded or set aside. The stream
 *   redelivers from a record of a failed batch onward, so a redelivery's sets are those whose
 *   batch ended at or after its first record: one query finds them, and what they name is not
 *   sent again.
 *
 * and per shard (`pk` = `slis#<shardId>`), the SLI ledger (sli-ledger.ts):
 * - `entry#<n>#<k>`: the k-th of `chunks` items of the shard's n-th entry (its time `at`, its
 *   records in `data`);
 * - `head`: the last entry's `n`, read with the batch's lookup: a sandbox that holds that entry
 *   reads nothing more, one that does not reads the entries after the last it holds.
 */

/** A parked part as stored: its gzipped record, or the number of chunk items it is in. */
export type { StoredPart } from './parked-parts';

export interface ParkedPart {
  recordId: string;
  gzipped: Buffer;
}

/** A kept trace whose parked parts went: its decision replaces them, and their chunks go. */
export interface Swept {
  traceId: string;
  decision: Decision;
  /** The chunk items of its parked parts. */
  chunks: string[];
}

export interface Lookup {
  decisions: Map<string, Decision>;
  /** The parked parts of the traces asked for, by trace. */
  parked: Map<string, StoredPart[]>;
  /** Pieces forwarded or set aside by an earlier delivery of these records. */
  sent: Set<string>;
}

/** A batch's parts per shard for the SLI ledger (every shard the batch has records of), and where its counts go. */
export interface LedgerBatch {
  parts: Map<string, LedgerPart[]>;
  slis: PipelineSlis;
}

export interface StoreSettings {
  table: string;
  decisionTtlSeconds: number;
  parkTtlSeconds: number;
  /** How long a forwarded marker lives: longer than the stream keeps a record (24 h). */
  sentTtlSeconds: number;
  /** How long spans set aside are kept. */
  asideTtlSeconds: number;
  /** How long the pipeline SLIs wait for a trace's parts before counting it. */
  sliWaitSeconds: number;
}

// DynamoDB limits: 100 keys per BatchGetItem, 25 requests per BatchWriteItem, 400 KB per
// item (a record may be 1 MiB, so a parked part is cut into chunks below that).
const GET_BATCH = 100;
const WRITE_BATCH = 25;
const CHUNK_BYTES = 350 * 1024;
// A part larger than this, or one that would take the trace's `parked` item past INLINE_TOTAL,
// is parked in chunks of its own: the item stays under DynamoDB's 400 KB.
const INLINE_BYTES = 32 * 1024;
const INLINE_TOTAL = 256 * 1024;
const SENT_KEYS_PER_ITEM = 3000;
const UNPROCESSED_ATTEMPTS = 8;
// Decisions held in memory (a few MB): more than a batch of 10,000 records decides.
const KNOWN_DECISIONS = 50_000;
const TRACE = 'trace';
const HEAD = 'head';
// The SLI ledger's items outlive the 2 waits it needs them for by a day: TTL clears a shard
// no one reads any more (the stream resharded).
const LEDGER_TTL_SECONDS = 24 * 3600;
const ledgerKey = (shard: string): string => `slis#${shard}`;
const entryKey = (n: number, k: number): string => `entry#${String(n).padStart(12, '0')}#${String(k).padStart(3, '0')}`;

// Sequence numbers are decimal strings of up to 128 digits: padded, they sort as numbers.
const sortable = (sequenceNumber: string): string => sequenceNumber.padStart(128, '0');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class DecisionStore {
  private readonly known = new KnownDecisions(KNOWN_DECISIONS);
  private readonly ledger: SliLedger;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly settings: StoreSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.ledger = new SliLedger(settings.sliWaitSeconds * 1000);
  }

  private expiresAt(ttlSeconds: number): AttributeValue {
    return { N: String(Math.floor(this.now() / 1000) + ttlSeconds) };
  }

  /** Gets the items, in batches, again for the keys DynamoDB leaves unprocessed. */
  private async getItems(keys: Array<{ pk: string; sk: string }>): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    await Promise.all(
      chunks(keys, GET_BATCH).map(async (batch) => {
        let pending: KeysAndAttributes['Keys'] = batch.map((k) => ({ pk: { S: k.pk }, sk: { S: k.sk } }));
        for (let attempt = 0; pending && pending.length > 0; attempt++) {
          if (attempt >= UNPROCESSED_ATTEMPTS)
            throw new Error(`DynamoDB left ${pending.length} key(s) unprocessed after ${attempt} attempts`);
          if (attempt > 0) await sleep(backoffMs(attempt));
          const out: BatchGetItemCommandOutput = await this.client.send(
            new BatchGetItemCommand({
              RequestItems: { [this.settings.table]: { Keys: pending, ConsistentRead: true } },
            }),
          );
          items.push(...(out.Responses?.[this.settings.table] ?? []));
          pending = out.UnprocessedKeys?.[this.settings.table]?.Keys;
        }
      }),
    );
    return items;
  }

  /** The pieces named by the sent sets of batches of this shard that ended at or after `range.first`. */
  private async sentSince(shard: string, range: ShardRange): Promise<string[]> {
    const items = await queryItems(this.client, {
      TableName: this.settings.table,
      KeyConditionExpression: 'pk = :pk AND sk >= :from',
      ExpressionAttributeValues: { ':pk': { S: `shard#${shard}` }, ':from': { S: `sent#${sortable(range.first)}` } },
      ConsistentRead: true,
    });
    return items.flatMap((item) => item.keys?.SS ?? []);
  }

  /**
   * In one round, concurrently: the stored decisions of undecided traces, the parked parts of
   * these and of the interesting ones, and the pieces an earlier delivery of the batch's records sent.
   * An undecided trace whose decision this sandbox knows is not looked up: a kept trace has
   * nothing parked (its parked parts went with the part that decided it, or go with that part's
   * redelivery).
   */
  async lookup(
    undecided: string[],
    interesting: string[],
    ranges: Map<string, ShardRange>,
    ledgerShards: readonly string[] = [],
  ): Promise<Lookup> {
    const decisions = new Map<string, Decision>();
    const now = this.now();
    const unknown = undecided.filter((traceId) => {
      const decision = this.known.get(traceId, now);
      if (decision) decisions.set(traceId, decision);
      return decision === undefined;
    });
    const keys = [
      ...[...new Set([...unknown, ...interesting])].map((pk) => ({ pk, sk: TRACE })),
      ...ledgerShards.map((shard) => ({ pk: ledgerKey(shard), sk: HEAD })),
    ];
    const [items, sent] = await Promise.all([
      this.getItems(keys),
      Promise.all([...ranges].map(([shard, range]) => this.sentSince(shard, range))),
    ]);
    const result: Lookup = { decisions, parked: new Map(), sent: new Set(sent.flat()) };
    const heads = new Map<string, number>();
    for (const item of items) {
      if (item.sk?.S === HEAD) heads.set(item.pk!.S!, Number(item.n?.N));
      else if (item.reason?.S) {
        const probability = item.probability?.N ? Number(item.probability.N) : 1;
        const decision: Decision = { reason: item.reason.S as KeepReason, probability };
        result.decisions.set(item.pk!.S!, decision);
        const expiresAt = Number(item.expiresAt?.N);
        if (Number.isFinite(expiresAt)) this.known.set(item.pk!.S!, decision, expiresAt * 1000);
      } else if (item.parts?.B) result.parked.set(item.pk!.S!, decodeParkedParts(item.parts.B, item.pk!.S!));
    }
    await Promise.all(ledgerShards.map((shard) => this.syncLedger(shard, heads.get(ledgerKey(shard)) ?? 0)));
    return result;
  }

  /** Brings the sandbox's SLI ledger of the shard up to the table's: the entries after the last it holds, replayed. */
  private async syncLedger(shard: string, head: number): Promise<void> {
    if (head === this.ledger.last(shard)) return;
    if (head < this.ledger.last(shard)) this.ledger.forget(shard);
    const items = await queryItems(this.client, {
      TableName: this.settings.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': { S: ledgerKey(shard) },
        ':from': { S: entryKey(this.ledger.last(shard) + 1, 0) },
        ':to': { S: 'entry#~' },
      },
      ConsistentRead: true,
    });
    const byEntry = new Map<number, Array<Record<string, AttributeValue>>>();
    for (const item of items) {
      const n = Number(item.sk!.S!.split('#')[1]);
      byEntry.set(n, [...(byEntry.get(n) ?? []), item]);
    }
    const ordered = [...byEntry].sort(([a], [b]) => a - b);
    // Entries it missed were deleted (the shard went elsewhere for more than two waits): what it
    // holds is stale, and the entries left are all a replay needs.
    if (ordered.length > 0 && ordered[0]![0] !== this.ledger.last(shard) + 1) this.ledger.forget(shard);
    for (const [n, chunks] of ordered) {
      const at = Number(chunks[0]!.at?.N);
      const count = Number(chunks[0]!.chunks?.N);
      // An entry whose write did not complete (its batch was redelivered) is written again as the next.
      const data = chunks.filter((c) => Number(c.at?.N) === at).map((c) => c.data!.B!);
      if (data.length !== count) break;
      this.ledger.apply(shard, { n, at, records: decodeEntry(data) }, count);
    }
  }

  /**
   * The writes that store the batch's SLI ledger entries (one per shard with new records or a trace
   * to count), with the head and the entries no replay needs any more; and, once they are stored,
   * what folds them in.
   */
  private ledgerWrites(batch: LedgerBatch): { writes: WriteRequest[]; apply: () => void } {
    const now = this.now();
    const expiresAt = this.expiresAt(2 * this.settings.sliWaitSeconds + LEDGER_TTL_SECONDS);
    const writes: WriteRequest[] = [];
    const entries: Array<{ shard: string; entry: LedgerEntry; chunks: number }> = [];
    for (const [shard, parts] of batch.parts) {
      const entry = this.ledger.prepare(shard, now, parts);
      if (entry.records.length === 0 && !this.ledger.countsAt(shard, entry.at)) continue;
      const pk = { S: ledgerKey(shard) };
      const chunks = encodeEntry(entry);
      chunks.forEach((data, k) =>
        writes.push({
          PutRequest: {
            Item: {
              pk,
              sk: { S: entryKey(entry.n, k) },
              at: { N: String(entry.at) },
              chunks: { N: String(chunks.length) },
              data: { B: data },
              expiresAt,
            },
          },
        }),
      );
      writes.push({ PutRequest: { Item: { pk, sk: { S: HEAD }, n: { N: String(entry.n) }, expiresAt } } });
      for (const old of this.ledger.settled(shard, entry.at))
        for (let k = 0; k < old.chunks; k++)
          writes.push({ DeleteRequest: { Key: { pk, sk: { S: entryKey(old.n, k) } } } });
      entries.push({ shard, entry, chunks: chunks.length });
    }
    return {
      writes,
      apply: () => entries.forEach(({ shard, entry, chunks }) => this.ledger.apply(shard, entry, chunks, batch.slis)),
    };
  }

  private decisionItem(traceId: string, decision: Decision): WriteRequest {
    const expiresAt = this.expiresAt(this.settings.decisionTtlSeconds);
    const item = { pk: { S: traceId }, sk: { S: TRACE }, reason: { S: decision.reason } };
    return { PutRequest: { Item: { ...item, probability: { N: String(decision.probability) }, expiresAt } } };
  }

  private remember(traceId: string, decision: Decision): void {
    const expiresMs = Number(this.expiresAt(this.settings.decisionTtlSeconds).N) * 1000;
    this.known.set(traceId, { reason: decision.reason, probability: decision.probability }, expiresMs);
  }

  /**
   * Stores the decisions of kept traces that have nothing parked (the lookup found none): a
   * trace with parked parts has its decision stored as they are swept (`markSent`). With them,
   * in the same requests, the batch's SLI ledger entries; once stored, the traces they count go
   * into `ledger.slis`. Should the write fail, the sandbox forgets the batch's shards, and the
   * redelivery replays what the table holds of them.
   */
  async keep(decisions: Array<{ traceId: string } & Decision>, ledger?: LedgerBatch): Promise<void> {
    const slis = ledger ? this.ledgerWrites(ledger) : undefined;
    try {
      await this.write([...decisions.map((d) => this.decisionItem(d.traceId, d)), ...(slis?.writes ?? [])]);
    } catch (error) {
      for (const shard of ledger?.parts.keys() ?? []) this.ledger.forget(shard);
      throw error;
    }
    slis?.apply();
    for (const d of decisions) this.remember(d.traceId, d);
  }

  /**
   * Keeps routine parts, whole, until their trace is decided or they expire: each trace's
   * `parked` item is written again with the parts it had (`before`, from the lookup) and the new ones.
   */
  async park(
    parts: Array<{ traceId: string; recordId: string; gzipped: Buffer }>,
    before: Map<string, StoredPart[]>,
  ): Promise<void> {
    const expiresAt = this.expiresAt(this.settings.parkTtlSeconds);
    const requests: WriteRequest[] = [];
    const byTrace = new Map<string, StoredPart[]>();
    for (const part of parts) {
      const stored = byTrace.get(part.traceId) ?? [...(before.get(part.traceId) ?? [])];
      byTrace.set(part.traceId, stored);
      // A redelivered record is parked once.
      if (stored.some((p) => p.recordId === part.recordId)) continue;
      const inline = stored.reduce((sum, p) => sum + (p.data?.length ?? 0), 0);
      if (part.gzipped.length <= INLINE_BYTES && inline + part.gzipped.length <= INLINE_TOTAL) {
        stored.push({ recordId: part.recordId, data: part.gzipped });
        continue;
      }
      const count = Math.ceil(part.gzipped.length / CHUNK_BYTES);
      for (let n = 0; n < count; n++) {
        const data = part.gzipped.subarray(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES);
        requests.push({
          PutRequest: {
            Item: {
              pk: { S: part.traceId },
              sk: { S: `part#${part.recordId}#${String(n).padStart(3, '0')}` },
              data: { B: data },
              expiresAt,
            },
          },
        });
      }
      stored.push({ recordId: part.recordId, chunks: count });
    }
    for (const [traceId, stored] of byTrace) {
      const parts = { B: encodeParkedParts(stored) };
      requests.push({ PutRequest: { Item: { pk: { S: traceId }, sk: { S: TRACE }, parts, expiresAt } } });
    }
    await this.write(requests);
  }

  /** Parked parts, with the chunked ones read back, and their chunk items, to delete once they are forwarded. */
  async parked(traceId: string, stored: StoredPart[]): Promise<{ parts: ParkedPart[]; chunks: string[] }> {
    const chunkKey = (recordId: string, n: number): string => `part#${recordId}#${String(n).padStart(3, '0')}`;
    const chunked = stored.flatMap((p) =>
      Array.from({ length: p.data ? 0 : (p.chunks ?? 0) }, (_, n) => chunkKey(p.recordId, n)),
    );
    const data = new Map<string, Buffer>(
      (await this.getItems(chunked.map((sk) => ({ pk: traceId, sk })))).map((item) => [
        item.sk!.S!,
        Buffer.from(item.data!.B!),
      ]),
    );
    const parts: ParkedPart[] = [];
    for (const p of stored) {
      if (p.data) {
        parts.push({ recordId: p.recordId, gzipped: p.data });
        continue;
      }
      const pieces = Array.from({ length: p.chunks ?? 0 }, (_, n) => data.get(chunkKey(p.recordId, n)));
      // A chunk gone (expired) loses its part only: the rest of the trace still goes.
      if (pieces.every((b): b is Buffer => b !== undefined))
        parts.push({ recordId: p.recordId, gzipped: Buffer.concat(pieces) });
    }
    return { parts, chunks: chunked };
  }

  /** Keeps spans that will not be forwarded, whole, with the reason. */
  async setAside(pieces: Array<{ traceId: string; key: string; gzipped: Buffer; reason: string }>): Promise<void> {
    const expiresAt = this.expiresAt(this.settings.asideTtlSeconds);
    const requests: WriteRequest[] = [];
    for (const piece of pieces) {
      for (let n = 0; n * CHUNK_BYTES < piece.gzipped.length; n++) {
        const data = piece.gzipped.subarray(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES);
        const sk = `aside#${piece.key}#${String(n).padStart(3, '0')}`;
        requests.push({
          PutRequest: {
            Item: {
              pk: { S: piece.traceId },
              sk: { S: sk },
              data: { B: data },
              reason: { S: piece.reason.slice(0, 1000) },
              expiresAt,
            },
          },
        });
      }
    }
    await this.write(requests);
  }

  /**
   * Since when each trace has failed to reach the backend: the stored time, or now for a trace
   * failing for the first time (or again after `staleMs`, a new outage), which is stored.
   */
  async failingSince(traceIds: string[], staleMs: number): Promise<Map<string, number>> {
    const now = this.now();
    const since = new Map<string, number>();
    for (const item of await this.getItems(traceIds.map((pk) => ({ pk, sk: 'failing' })))) {
      const at = Number(item.since?.N);
      if (Number.isFinite(at) && now - at < staleMs) since.set(item.pk!.S!, at);
    }
    const first = traceIds.filter((id) => !since.has(id));
    const expiresAt = this.expiresAt(Math.ceil(staleMs / 1000));
    await this.write(
      first.map(
        (pk): WriteRequest => ({
          PutRequest: { Item: { pk: { S: pk }, sk: { S: 'failing' }, since: { N: String(now) }, expiresAt } },
        }),
      ),
    );
    first.forEach((id) => since.set(id, now));
    return since;
  }

  /**
   * Records the pieces forwarded or set aside, in one sent set per shard (see above) named by
   * the batch's last record there, and replaces the parked parts that went with them by their
   * trace's decision.
   */
  async markSent(pieces: string[], swept: Swept[], ranges: Map<string, ShardRange>): Promise<void> {
    const expiresAt = this.expiresAt(this.settings.sentTtlSeconds);
    const invocation = randomUUID();
    const byShard = new Map<string, string[]>();
    for (const key of new Set(pieces)) {
      const shard = ranges.has(shardOf(key)) ? shardOf(key) : ([...ranges.keys()][0] ?? '');
      byShard.set(shard, [...(byShard.get(shard) ?? []), key]);
    }
    const sets = [...byShard].flatMap(([shard, keys]) =>
      chunks(keys, SENT_KEYS_PER_ITEM).map((batch, n): WriteRequest => {
        const last = ranges.get(shard)?.last ?? '0';
        return {
          PutRequest: {
            Item: {
              pk: { S: `shard#${shard}` },
              sk: { S: `sent#${sortable(last)}#${invocation}#${n}` },
              keys: { SS: batch },
              expiresAt,
            },
          },
        };
      }),
    );
    const sweeps = swept.flatMap((s) => [
      this.decisionItem(s.traceId, s.decision),
      ...s.chunks.map((sk): WriteRequest => ({ DeleteRequest: { Key: { pk: { S: s.traceId }, sk: { S: sk } } } })),
    ]);
    await this.write([...sets, ...sweeps]);
    for (const s of swept) this.remember(s.traceId, s.decision);
  }

  private async write(requests: WriteRequest[]): Promise<void> {
    await Promise.all(
      chunks(requests, WRITE_BATCH).map(async (batch) => {
        let pending = batch;
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt >= UNPROCESSED_ATTEMPTS)
            throw new Error(`DynamoDB left ${pending.length} write(s) unprocessed after ${attempt} attempts`);
          if (attempt > 0) await sleep(backoffMs(attempt));
          const out = await this.client.send(
            new BatchWriteItemCommand({ RequestItems: { [this.settings.table]: pending } }),
          );
          pending = out.UnprocessedItems?.[this.settings.table] ?? [];
        }
      }),
    );
  }
}
