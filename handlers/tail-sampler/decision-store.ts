import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { backoffMs } from '../../src/backoff';
import type { Decision, KeepReason } from './policy';

/**
 * The table (one partition per trace: `pk` = trace id) holds three kinds of items, each
 * expiring by DynamoDB TTL on `expiresAt`:
 * - `decision`: the trace is kept, why, and with what probability; later parts look it up.
 * - `part#<recordId>#<n>`: a routine part parked until an interesting part of its trace
 *   arrives and forwards it; left to expire when none does. `parked` says the trace has some,
 *   so that an interesting part looks for them only when there are.
 * - `sent#<piece>`: the record (or its k-th slice, `<recordId>#k`) was forwarded or set
 *   aside; a redelivered record is not sent again.
 * - `aside#<piece>#<n>`: spans the backend refused for good, or did not take within the retry
 *   window, kept with the `reason` for someone to look at (`aws dynamodb query`, pk = trace id).
 * - `failing`: since when (`since`, ms) the trace's spans have not reached the backend.
 */
export interface ParkedPart {
  recordId: string;
  gzipped: Buffer;
  keys: string[];
}

export interface Lookup {
  decisions: Map<string, Decision>;
  /** Traces with parked parts. */
  parked: Set<string>;
  /** Of those, the ones the backend failed to take lately: some of their parked parts may be half sent. */
  failing: Set<string>;
  sent: Set<string>;
}

export interface StoreSettings {
  table: string;
  decisionTtlSeconds: number;
  parkTtlSeconds: number;
  /** How long a forwarded marker lives: longer than the stream keeps a record (24 h). */
  sentTtlSeconds: number;
  /** How long spans set aside are kept. */
  asideTtlSeconds: number;
}

// DynamoDB limits: 100 keys per BatchGetItem, 25 requests per BatchWriteItem, 400 KB per
// item (a record may be 1 MiB, so a parked part is cut into chunks below that).
const GET_BATCH = 100;
const WRITE_BATCH = 25;
const CHUNK_BYTES = 350 * 1024;
const UNPROCESSED_ATTEMPTS = 8;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class DecisionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly settings: StoreSettings,
    private readonly now: () => number = Date.now,
  ) {}

  private expiresAt(ttlSeconds: number): AttributeValue {
    return { N: String(Math.floor(this.now() / 1000) + ttlSeconds) };
  }

  /** In one round: stored decisions of undecided traces, whether interesting ones have parked parts, which records were forwarded. */
  async lookup(undecided: string[], interesting: string[], records: Array<{ traceId: string; recordId: string }>): Promise<Lookup> {
    const keys = [
      ...undecided.map((pk) => ({ pk, sk: 'decision' })),
      ...interesting.flatMap((pk) => [
        { pk, sk: 'parked' },
        { pk, sk: 'failing' },
      ]),
      ...records.map((r) => ({ pk: r.traceId, sk: `sent#${r.recordId}` })),
    ];
    const result: Lookup = { decisions: new Map(), parked: new Set(), failing: new Set(), sent: new Set() };
    for (const batch of chunks(keys, GET_BATCH)) {
      let pending: Array<Record<string, AttributeValue>> = batch.map((k) => ({ pk: { S: k.pk }, sk: { S: k.sk } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= UNPROCESSED_ATTEMPTS) throw new Error(`DynamoDB left ${pending.length} key(s) unprocessed after ${attempt} attempts`);
        if (attempt > 0) await sleep(backoffMs(attempt));
        const out = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.settings.table]: { Keys: pending, ConsistentRead: true } } }));
        for (const item of out.Responses?.[this.settings.table] ?? []) {
          const sk = item.sk?.S ?? '';
          if (sk === 'decision') result.decisions.set(item.pk!.S!, { reason: item.reason!.S as KeepReason, probability: item.probability?.N ? Number(item.probability.N) : 1 });
          else if (sk === 'parked') result.parked.add(item.pk!.S!);
          else if (sk === 'failing') result.failing.add(item.pk!.S!);
          else result.sent.add(sk.slice('sent#'.length));
        }
        pending = out.UnprocessedKeys?.[this.settings.table]?.Keys ?? [];
      }
    }
    return result;
  }

  async keep(decisions: Array<{ traceId: string } & Decision>): Promise<void> {
    const expiresAt = this.expiresAt(this.settings.decisionTtlSeconds);
    await this.write(
      decisions.map((d): WriteRequest => ({ PutRequest: { Item: { pk: { S: d.traceId }, sk: { S: 'decision' }, reason: { S: d.reason }, probability: { N: String(d.probability) }, expiresAt } } })),
    );
  }

  /** Keeps routine parts, whole, until their trace is decided or they expire. */
  async park(parts: Array<{ traceId: string; recordId: string; gzipped: Buffer }>): Promise<void> {
    const expiresAt = this.expiresAt(this.settings.parkTtlSeconds);
    const requests: WriteRequest[] = [...new Set(parts.map((p) => p.traceId))].map((traceId) => ({ PutRequest: { Item: { pk: { S: traceId }, sk: { S: 'parked' }, expiresAt } } }));
    for (const part of parts) {
      for (let n = 0; n * CHUNK_BYTES < part.gzipped.length; n++) {
        const data = part.gzipped.subarray(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES);
        requests.push({ PutRequest: { Item: { pk: { S: part.traceId }, sk: { S: `part#${part.recordId}#${String(n).padStart(3, '0')}` }, data: { B: data }, expiresAt } } });
      }
    }
    await this.write(requests);
  }

  /** Keeps spans that will not be forwarded, whole, with the reason. */
  async setAside(pieces: Array<{ traceId: string; key: string; gzipped: Buffer; reason: string }>): Promise<void> {
    const expiresAt = this.expiresAt(this.settings.asideTtlSeconds);
    const requests: WriteRequest[] = [];
    for (const piece of pieces) {
      for (let n = 0; n * CHUNK_BYTES < piece.gzipped.length; n++) {
        const data = piece.gzipped.subarray(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES);
        const sk = `aside#${piece.key}#${String(n).padStart(3, '0')}`;
        requests.push({ PutRequest: { Item: { pk: { S: piece.traceId }, sk: { S: sk }, data: { B: data }, reason: { S: piece.reason.slice(0, 1000) }, expiresAt } } });
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
    for (const batch of chunks(traceIds, GET_BATCH)) {
      let pending: Array<Record<string, AttributeValue>> = batch.map((pk) => ({ pk: { S: pk }, sk: { S: 'failing' } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= UNPROCESSED_ATTEMPTS) throw new Error(`DynamoDB left ${pending.length} key(s) unprocessed after ${attempt} attempts`);
        if (attempt > 0) await sleep(backoffMs(attempt));
        const out = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.settings.table]: { Keys: pending, ConsistentRead: true } } }));
        for (const item of out.Responses?.[this.settings.table] ?? []) {
          const at = Number(item.since?.N);
          if (Number.isFinite(at) && now - at < staleMs) since.set(item.pk!.S!, at);
        }
        pending = out.UnprocessedKeys?.[this.settings.table]?.Keys ?? [];
      }
    }
    const first = traceIds.filter((id) => !since.has(id));
    const expiresAt = this.expiresAt(Math.ceil(staleMs / 1000));
    await this.write(first.map((pk): WriteRequest => ({ PutRequest: { Item: { pk: { S: pk }, sk: { S: 'failing' }, since: { N: String(now) }, expiresAt } } })));
    first.forEach((id) => since.set(id, now));
    return since;
  }

  /** The parts of a trace parked so far, reassembled, and the keys to delete once they are forwarded. */
  async parked(traceId: string): Promise<{ parts: ParkedPart[]; keys: string[] }> {
    const byRecord = new Map<string, ParkedPart & { pieces: Buffer[] }>();
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.settings.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :part)',
          ExpressionAttributeValues: { ':pk': { S: traceId }, ':part': { S: 'part#' } },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      // Sort keys come back in order, so a record's chunks arrive in sequence.
      for (const item of out.Items ?? []) {
        const sk = item.sk!.S!;
        const recordId = sk.slice('part#'.length, sk.lastIndexOf('#'));
        const entry = byRecord.get(recordId) ?? { recordId, gzipped: Buffer.alloc(0), keys: [], pieces: [] };
        entry.keys.push(sk);
        entry.pieces.push(Buffer.from(item.data!.B!));
        byRecord.set(recordId, entry);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    const parts = [...byRecord.values()].map(({ recordId, keys, pieces }) => ({ recordId, keys, gzipped: Buffer.concat(pieces) }));
    return { parts, keys: ['parked', ...parts.flatMap((p) => p.keys)] };
  }

  /** Marks records forwarded, and removes the parked copies that went with them. */
  async markSent(records: Array<{ traceId: string; recordId: string }>, parkedKeys: Array<{ traceId: string; key: string }>): Promise<void> {
    const expiresAt = this.expiresAt(this.settings.sentTtlSeconds);
    await this.write([
      ...records.map((r): WriteRequest => ({ PutRequest: { Item: { pk: { S: r.traceId }, sk: { S: `sent#${r.recordId}` }, expiresAt } } })),
      ...parkedKeys.map((p): WriteRequest => ({ DeleteRequest: { Key: { pk: { S: p.traceId }, sk: { S: p.key } } } })),
    ]);
  }

  private async write(requests: WriteRequest[]): Promise<void> {
    for (const batch of chunks(requests, WRITE_BATCH)) {
      let pending = batch;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= UNPROCESSED_ATTEMPTS) throw new Error(`DynamoDB left ${pending.length} write(s) unprocessed after ${attempt} attempts`);
        if (attempt > 0) await sleep(backoffMs(attempt));
        const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.settings.table]: pending } }));
        pending = out.UnprocessedItems?.[this.settings.table] ?? [];
      }
    }
  }
}
