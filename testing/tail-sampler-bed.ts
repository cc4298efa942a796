import { createHash } from 'node:crypto';
import { ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { readConsumerConfig } from '../handlers/tail-sampler/config';
import { createConsumer } from '../handlers/tail-sampler/consumer';
import { createDecisionTable, startDynalite, type LocalDynamo } from './decision-table';
import { startEventSource, type LocalEventSource } from './event-source';
import { createStream, startKinesalite, type LocalKinesis } from './kinesis';
import { OtlpReceiver } from './otlp-receiver';

// The tail sampler's surroundings on this machine, as its tests and the bench set them up:
// kinesalite for the stream, dynalite for the decisions, a loopback OTLP receiver as the backend.

/** One record to put: the trace id is its partition key, as the ingest writes them. */
export interface PutRecord {
  traceId: string;
  data: Uint8Array;
}

export interface ConsumerOptions {
  /** Variables over the bed's defaults (the receiver as the backend, the lane's table). */
  env?: Record<string, string>;
  batchSize?: number;
  pollMs?: number;
  /** The consumer's clock (ms since the epoch). */
  now?: () => number;
}

export interface ConsumerLog {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

/** A consumer reading a lane's stream through the event source stand-in. */
export interface ConsumerRun {
  source: LocalEventSource;
  /** The consumer itself, to hand it a batch directly (a redelivery). */
  consume: (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;
  /** The metric documents it emitted (embedded metric format, one JSON line each). */
  lines: string[];
  logs: ConsumerLog[];
  /** The sum of metric `name` over the documents emitted so far. */
  counter(name: string): number;
}

/** A stream and a decision table of one name: the table is left out when `withTable` is false. */
export interface Lane {
  stream: string;
  table: string;
}

export interface TailSamplerBed {
  kinesis: LocalKinesis;
  dynamo: LocalDynamo;
  receiver: OtlpReceiver;
  lane(name: string, shards?: number, withTable?: boolean): Promise<Lane>;
  /** `records` onto `stream`, in PutRecords calls of at most 500. */
  put(stream: string, records: readonly PutRecord[]): Promise<void>;
  /**
   * One record on each shard of `stream` that no consumer can decode (its partition key is no
   * trace id): a batch on every shard, holding no spans, as later traffic would bring one.
   */
  tick(stream: string): Promise<void>;
  /** The real consumer on the lane, its backend the bed's receiver unless `env` names another. */
  consume(lane: Lane, options?: ConsumerOptions): Promise<ConsumerRun>;
  /** Stops the consumers started and empties the receiver: what each test starts from. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const PUT_LIMIT = 500;

export async function startTailSamplerBed(): Promise<TailSamplerBed> {
  const [kinesis, dynamo, receiver] = await Promise.all([startKinesalite(), startDynalite(), OtlpReceiver.start()]);
  const running = new Set<LocalEventSource>();
  const put = async (stream: string, records: readonly PutRecord[]): Promise<void> => {
    for (let i = 0; i < records.length; i += PUT_LIMIT) {
      const Records = records.slice(i, i + PUT_LIMIT).map((r) => ({ PartitionKey: r.traceId, Data: r.data }));
      await kinesis.client.send(new PutRecordsCommand({ StreamName: stream, Records }));
    }
  };
  return {
    kinesis,
    dynamo,
    receiver,
    lane: async (name, shards = 2, withTable = true) => {
      await Promise.all([
        createStream(kinesis.client, name, shards),
        withTable ? createDecisionTable(dynamo.client, name) : undefined,
      ]);
      return { stream: name, table: name };
    },
    put,
    tick: async (stream) => {
      const { Shards = [] } = await kinesis.client.send(new ListShardsCommand({ StreamName: stream }));
      const records: PutRecord[] = [];
      for (const shard of Shards) {
        const [low, high] = [shard.HashKeyRange!.StartingHashKey!, shard.HashKeyRange!.EndingHashKey!].map(BigInt);
        for (let i = 0; ; i++) {
          const key = `tick-${i}`;
          const hash = BigInt(`0x${createHash('md5').update(key).digest('hex')}`);
          if (hash < low! || hash > high!) continue;
          records.push({ traceId: key, data: Buffer.from('tick') });
          break;
        }
      }
      await put(stream, records);
    },
    consume: async (lane, options = {}) => {
      const env = { HOPTRACE_FORWARD_ENDPOINT: receiver.url, HOPTRACE_DECISION_TABLE: lane.table, ...options.env };
      const lines: string[] = [];
      const logs: ConsumerLog[] = [];
      const output = {
        emit: (line: string) => lines.push(line),
        log: (level: string, message: string, fields?: Record<string, unknown>) =>
          logs.push({ level, message, ...(fields ? { fields } : {}) }),
      };
      const consume = createConsumer(readConsumerConfig(env), dynamo.client, output, options.now);
      const source = await startEventSource(kinesis.client, lane.stream, consume, {
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
        ...(options.pollMs ? { pollMs: options.pollMs } : {}),
      });
      running.add(source);
      const counter = (name: string): number =>
        lines
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .reduce((sum, d) => sum + (typeof d[name] === 'number' ? d[name] : 0), 0);
      return { source, consume, lines, logs, counter };
    },
    reset: async () => {
      await Promise.all([...running].map((source) => source.stop()));
      running.clear();
      receiver.reset();
    },
    close: async () => {
      await Promise.all([...running].map((source) => source.stop()));
      await Promise.all([kinesis.close(), dynamo.close(), receiver.close()]);
    },
  };
}
