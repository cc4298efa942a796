import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { queryItems } from './query-items';
import {
  addCounts,
  emptyCounts,
  nextPlan,
  type AdaptiveSettings,
  type OperationCounts,
  type Plan,
} from './sampling-plan';

/**
 * Adaptive sampling's state, shared by every shard's consumer through the decision table, in
 * one partition (`pk` = `sampling`, which no trace id can be):
 * - `plan#<interval>`: each operation's probability, p99, rare flag and boost for that
 *   interval. The first consumer to need it computes it and writes it only if no other did
 *   (a conditional put); a consumer that loses the race reads the winner's, so every shard
 *   follows one plan.
 * - `counts#<interval>#<sandbox>`: what one sandbox observed in the interval, per operation,
 *   rewritten after each batch. A sandbox handles one batch at a time, so it is the item's
 *   only writer; the next plan adds up every sandbox's item.
 */
export interface SamplingStateSettings {
  table: string;
  adaptive: AdaptiveSettings;
}

const PARTITION = 'sampling';
// A plan is read by the next interval's consumers; a day covers any pause in traffic worth resuming from.
const TTL_SECONDS = 24 * 3600;
const pad = (interval: number): string => String(interval).padStart(12, '0');

export class SamplingState {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly settings: SamplingStateSettings,
    private readonly now: () => number = Date.now,
  ) {}

  private expiresAt(): AttributeValue {
    return { N: String(Math.floor(this.now() / 1000) + TTL_SECONDS) };
  }

  private async get(sk: string): Promise<Plan | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.settings.table,
        Key: { pk: { S: PARTITION }, sk: { S: sk } },
        ConsistentRead: true,
      }),
    );
    return out.Item?.data?.S ? (JSON.parse(out.Item.data.S) as Plan) : undefined;
  }

  /** The latest plan before `interval`, if one is still in the table. */
  private async previous(interval: number): Promise<Plan | undefined> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.settings.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': { S: PARTITION },
          ':from': { S: 'plan#' },
          ':to': { S: `plan#${pad(interval - 1)}` },
        },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const data = out.Items?.[0]?.data?.S;
    return data ? (JSON.parse(data) as Plan) : undefined;
  }

  /** Every sandbox's counts of `interval`, added up per operation. */
  async observed(interval: number): Promise<Map<string, OperationCounts>> {
    const total = new Map<string, OperationCounts>();
    const items = await queryItems(this.client, {
      TableName: this.settings.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :counts)',
      ExpressionAttributeValues: { ':pk': { S: PARTITION }, ':counts': { S: `counts#${pad(interval)}#` } },
      ConsistentRead: true,
    });
    for (const item of items) {
      for (const [key, counts] of Object.entries(JSON.parse(item.data!.S!) as Record<string, OperationCounts>)) {
        total.set(key, addCounts(total.get(key) ?? emptyCounts(), counts));
      }
    }
    return total;
  }

  /** The plan of `interval`: the one in the table, or the one computed here and stored first. `computed` says which. */
  async plan(interval: number): Promise<{ plan: Plan; computed: boolean }> {
    const stored = await this.get(`plan#${pad(interval)}`);
    if (stored) return { plan: stored, computed: false };
    const previous = await this.previous(interval);
    const plan = nextPlan(
      previous,
      await this.observed(previous?.interval ?? interval - 1),
      interval,
      this.settings.adaptive,
    );
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.settings.table,
          Item: {
            pk: { S: PARTITION },
            sk: { S: `plan#${pad(interval)}` },
            data: { S: JSON.stringify(plan) },
            expiresAt: this.expiresAt(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { plan, computed: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Another shard's consumer stored its plan first: every shard follows that one.
      const winner = await this.get(`plan#${pad(interval)}`);
      if (!winner)
        throw new Error(
          `the sampling plan of interval ${interval} was stored by another consumer but cannot be read back`,
        );
      return { plan: winner, computed: false };
    }
  }

  /** This sandbox's counts so far in `interval`, replacing what it wrote before. */
  async writeCounts(interval: number, sandbox: string, counts: Map<string, OperationCounts>): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.settings.table,
        Item: {
          pk: { S: PARTITION },
          sk: { S: `counts#${pad(interval)}#${sandbox}` },
          data: { S: JSON.stringify(Object.fromEntries(counts)) },
          expiresAt: this.expiresAt(),
        },
      }),
    );
  }
}
