import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type GetShardIteratorCommandInput,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { clientConfig, commonAwsProblem } from '../aws-client';
import { CliError } from '../errors';
import type { Source } from './source';

export interface StreamOptions {
  stream: string;
  endpoint?: string;
  region?: string;
  /** The window's start (epoch ms): read from records that arrived ARRIVAL_GRACE before it; without it, from the oldest the stream retains. */
  fromMs?: number;
  /** Stop a shard at records that arrived this long past it (epoch ms); without it, at the tip. */
  untilMs?: number;
}

// A trace's spans arrive up to an invocation's length after it starts (Lambda's longest is
// 15 minutes), and the exporter may hold them a little longer: read that far past `--until`,
// and start that far before `--since`. A trace begun before the window whose later spans
// arrived in it is then seen whole, and left out, rather than read as a trace of those spans
// alone, begun in the window.
const ARRIVAL_GRACE_MS = 20 * 60_000;

/** A record as Kinesis returns it. */
export interface StreamRecord {
  shardId: string;
  partitionKey: string;
  /** Absent where records are made up rather than read (tests, the bench). */
  sequenceNumber?: string;
  data: Buffer;
}

const PAGE = 10_000;

/** Why a Kinesis call failed, in words the user can act on. */
function explain(error: unknown, options: StreamOptions): CliError {
  const e = error as { name?: string; message?: string };
  const where = options.endpoint ? ` at ${options.endpoint}` : '';
  if (e.name === 'ResourceNotFoundException')
    return new CliError(
      `stream "${options.stream}" does not exist${where}${options.region ? ` in ${options.region}` : ''}`,
    );
  const common = commonAwsProblem(error, 'Kinesis', options.endpoint);
  if (common) return common;
  return new CliError(
    `reading stream "${options.stream}"${where} failed: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
  );
}

async function listShards(client: KinesisClient, stream: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let next: string | undefined;
  do {
    const page = await client.send(new ListShardsCommand(next ? { NextToken: next } : { StreamName: stream }));
    shards.push(...(page.Shards ?? []));
    next = page.NextToken;
  } while (next);
  return shards;
}

/** Every record of every shard, shard after shard, from the start position up to the stream's tip. */
export async function* streamRecords(client: KinesisClient, options: StreamOptions): AsyncGenerator<StreamRecord> {
  const send = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw explain(error, options);
    }
  };
  const shards = await send(() => listShards(client, options.stream));
  const position: Pick<GetShardIteratorCommandInput, 'ShardIteratorType' | 'Timestamp'> =
    options.fromMs === undefined
      ? { ShardIteratorType: 'TRIM_HORIZON' }
      : { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(options.fromMs - ARRIVAL_GRACE_MS) };
  const stopAfterMs = options.untilMs === undefined ? Infinity : options.untilMs + ARRIVAL_GRACE_MS;
  for (const shard of shards) {
    const shardId = shard.ShardId!;
    let iterator = (
      await send(() =>
        client.send(new GetShardIteratorCommand({ StreamName: options.stream, ShardId: shardId, ...position })),
      )
    ).ShardIterator;
    while (iterator) {
      const current = iterator;
      const page = await send(() => client.send(new GetRecordsCommand({ ShardIterator: current, Limit: PAGE })));
      const records = page.Records ?? [];
      let past = false;
      for (const r of records) {
        if ((r.ApproximateArrivalTimestamp?.getTime() ?? 0) > stopAfterMs) {
          past = true;
          break;
        }
        yield {
          shardId,
          partitionKey: r.PartitionKey ?? '',
          sequenceNumber: r.SequenceNumber ?? '',
          data: Buffer.from(r.Data ?? new Uint8Array()),
        };
      }
      if (past) break;
      // Caught up with the tip (an absent MillisBehindLatest counts as caught up): what arrives later
      // is not part of this read. A real stream may return an empty page while still behind.
      if ((page.MillisBehindLatest ?? 0) === 0 && records.length < PAGE) break;
      iterator = page.NextShardIterator;
    }
  }
}

/** `--stream NAME [--endpoint URL] [--region R]`, with `--since` / `--until` as `fromMs` / `untilMs`. */
export function streamSource(
  options: StreamOptions,
  client: KinesisClient = new KinesisClient(clientConfig(options)),
): Source {
  return {
    description: `stream ${options.stream}${options.endpoint ? ` at ${options.endpoint}` : ''}`,
    async *records() {
      for await (const record of streamRecords(client, options))
        yield { data: record.data, origin: `stream record ${record.shardId} ${record.sequenceNumber ?? ''}`.trimEnd() };
    },
  };
}
