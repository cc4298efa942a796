import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type _Record,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export type StreamHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

export interface LocalEventSource {
  /** Resolves once every shard has been read to its end with no failed record pending. */
  idle(): Promise<void>;
  /** Batches handed to the handler, retries included. */
  readonly invocations: number;
  stop(): Promise<void>;
}

export interface EventSourceOptions {
  batchSize?: number;
  pollMs?: number;
  /** Pause before redelivering from a failed record. */
  retryMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function lambdaRecord(stream: string, shardId: string, r: _Record): KinesisStreamRecord {
  return {
    awsRegion: 'us-east-1',
    eventID: `${shardId}:${r.SequenceNumber!}`,
    eventName: 'aws:kinesis:record',
    eventSource: 'aws:kinesis',
    eventSourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`,
    eventVersion: '1.0',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/local',
    kinesis: {
      approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
      data: Buffer.from(r.Data!).toString('base64'),
      kinesisSchemaVersion: '1.0',
      partitionKey: r.PartitionKey!,
      sequenceNumber: r.SequenceNumber!,
    },
  };
}

/**
 * A Kinesis event source mapping on this machine: each shard read in order, batches handed
 * to the handler, and on reported item failures (or a throw) the shard read again from the
 * lowest failed sequence number, as Lambda does with ReportBatchItemFailures.
 */
export async function startEventSource(
  client: KinesisClient,
  stream: string,
  handler: StreamHandler,
  options: EventSourceOptions = {},
): Promise<LocalEventSource> {
  const { batchSize = 100, pollMs = 50, retryMs = 50 } = options;
  const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: stream }));
  let stopped = false;
  let invocations = 0;
  // Per shard, when its last read that found nothing started: records put before then were all handled.
  const caughtUpAt = new Map<string, number>();

  const iterator = async (shardId: string, at?: string): Promise<string | undefined> =>
    (
      await client.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shardId,
          ...(at
            ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: at }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      )
    ).ShardIterator;

  const poll = async (shardId: string): Promise<void> => {
    let position = await iterator(shardId);
    while (!stopped && position) {
      const startedAt = Date.now();
      const page = await client.send(new GetRecordsCommand({ ShardIterator: position, Limit: batchSize }));
      const records = page.Records ?? [];
      if (records.length === 0) {
        caughtUpAt.set(shardId, startedAt);
        position = page.NextShardIterator;
        await sleep(pollMs);
        continue;
      }
      invocations++;
      let retryFrom: string | undefined;
      try {
        const response = await handler({ Records: records.map((r) => lambdaRecord(stream, shardId, r)) });
        const failed = (response?.batchItemFailures ?? []).map((f) => BigInt(f.itemIdentifier));
        // biome-ignore lint/complexity/useMathMinMax: sequence numbers are BigInts, which Math.min refuses.
        if (failed.length > 0) retryFrom = String(failed.reduce((a, b) => (b < a ? b : a)));
      } catch {
        retryFrom = records[0]!.SequenceNumber;
      }
      if (retryFrom === undefined) {
        position = page.NextShardIterator;
      } else {
        await sleep(retryMs);
        position = await iterator(shardId, retryFrom);
      }
    }
  };
  const loops = Shards.map((s) => poll(s.ShardId!));

  return {
    get invocations() {
      return invocations;
    },
    idle: async () => {
      const asked = Date.now();
      while (!Shards.every((s) => (caughtUpAt.get(s.ShardId!) ?? -1) > asked)) await sleep(pollMs);
    },
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
