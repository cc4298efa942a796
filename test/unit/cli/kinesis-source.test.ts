import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { streamRecords } from '../../../cli/src/sources/kinesis';

// The shard walk against a scripted client: kinesalite cannot stand in here, it never answers
// an AT_TIMESTAMP iterator request for a shard with no record after the timestamp.

type Page = {
  Records: Array<{ PartitionKey: string; Data: Uint8Array; ApproximateArrivalTimestamp?: Date }>;
  MillisBehindLatest?: number;
};

function scripted(pages: Record<string, Page[]>) {
  const calls: Array<{ name: string; input: Record<string, unknown> }> = [];
  const client = {
    send: async (command: { input: Record<string, unknown> }) => {
      const input = command.input;
      if (command instanceof ListShardsCommand) {
        calls.push({ name: 'ListShards', input });
        // Two pages of shards: the second asked for by NextToken alone, as Kinesis requires.
        return input.NextToken
          ? { Shards: [{ ShardId: 'shard-b' }] }
          : { Shards: [{ ShardId: 'shard-a' }], NextToken: 'more' };
      }
      if (command instanceof GetShardIteratorCommand) {
        calls.push({ name: 'GetShardIterator', input });
        return { ShardIterator: `${String(input.ShardId)}#0` };
      }
      if (command instanceof GetRecordsCommand) {
        const [shard, n] = String(input.ShardIterator).split('#');
        const page = pages[shard!]![Number(n)]!;
        return { ...page, NextShardIterator: `${shard}#${Number(n) + 1}` };
      }
      throw new Error('unexpected command');
    },
  };
  return { client: client as unknown as KinesisClient, calls };
}

const rec = (key: string) => ({ PartitionKey: key, Data: Buffer.from(key) });

describe('reading every shard of a stream', () => {
  it('lists shards page by page, reads each until caught up, past empty pages while still behind', async () => {
    const { client, calls } = scripted({
      'shard-a': [
        { Records: [rec('a1')], MillisBehindLatest: 5000 },
        { Records: [], MillisBehindLatest: 3000 },
        { Records: [rec('a2')], MillisBehindLatest: 0 },
      ],
      'shard-b': [{ Records: [rec('b1')] }],
    });
    const got: string[] = [];
    for await (const r of streamRecords(client, { stream: 'spans' })) got.push(`${r.shardId}:${r.partitionKey}`);
    expect(got).toEqual(['shard-a:a1', 'shard-a:a2', 'shard-b:b1']);
    expect(calls.filter((c) => c.name === 'ListShards').map((c) => c.input)).toEqual([
      { StreamName: 'spans' },
      { NextToken: 'more' },
    ]);
    expect(calls.filter((c) => c.name === 'GetShardIterator').map((c) => c.input.ShardIteratorType)).toEqual([
      'TRIM_HORIZON',
      'TRIM_HORIZON',
    ]);
  });

  it('--since starts every shard 20 minutes before that time (AT_TIMESTAMP), for the traces begun before it', async () => {
    const { client, calls } = scripted({ 'shard-a': [{ Records: [] }], 'shard-b': [{ Records: [] }] });
    const before = Date.now();
    for await (const _ of streamRecords(client, { stream: 'spans', fromMs: Date.now() - 3_600_000 }))
      expect.fail('no records');
    const iterators = calls.filter((c) => c.name === 'GetShardIterator').map((c) => c.input);
    expect(iterators.map((i) => i.ShardIteratorType)).toEqual(['AT_TIMESTAMP', 'AT_TIMESTAMP']);
    const at = (iterators[0]!.Timestamp as Date).getTime();
    expect(at).toBeGreaterThanOrEqual(before - 3_600_000 - 20 * 60_000);
    expect(at).toBeLessThanOrEqual(Date.now() - 3_600_000 - 20 * 60_000);
  });

  it('--until stops each shard at the first record that arrived well past the window (spans arrive up to an invocation later)', async () => {
    const until = Date.parse('2026-12-01T10:00:00Z');
    const at = (key: string, ms: number) => ({ ...rec(key), ApproximateArrivalTimestamp: new Date(ms) });
    const { client } = scripted({
      'shard-a': [
        {
          Records: [at('a1', until - 1000), at('a2', until + 10 * 60_000), at('a3', until + 21 * 60_000)],
          MillisBehindLatest: 5000,
        },
        { Records: [at('a4', until + 30 * 60_000)], MillisBehindLatest: 0 },
      ],
      'shard-b': [{ Records: [at('b1', until + 25 * 60_000)], MillisBehindLatest: 0 }],
    });
    const got: string[] = [];
    for await (const r of streamRecords(client, { stream: 'spans', untilMs: until })) got.push(r.partitionKey);
    expect(got).toEqual(['a1', 'a2']);
  });
});
