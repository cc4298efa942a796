import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import kinesalite from 'kinesalite';
import { analyze } from '../cli/src/analyze';
import type { TraceSpan } from '../cli/src/model';
import { streamRecords, type StreamRecord as StoredRecord } from '../cli/src/sources/kinesis';
import type { Source } from '../cli/src/sources/source';
import { serveEmulator, type LocalEmulator } from './emulator';

export type LocalKinesis = LocalEmulator<KinesisClient>;

// The local tools run on the machine's Node 20, where every AWS SDK client warns that SDK
// releases from 2027 on need Node 22; the deployed ingest runs on nodejs22.x. Set before
// any client exists, so the demo functions' worker threads inherit it too.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Local AWS credentials: kinesalite checks that requests are signed, not by whom. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export function kinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
}

/** Starts kinesalite, an in-memory Kinesis, on a free loopback port. */
export async function startKinesalite(): Promise<LocalKinesis> {
  return serveEmulator(
    kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 }),
    kinesisClient,
  );
}

export async function createStream(client: KinesisClient, name: string, shards = 2): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 100; i++) {
    const { StreamDescriptionSummary } = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

/** A record as the stream holds it. */
export type { StreamRecord as StoredRecord } from '../cli/src/sources/kinesis';

/** Every record in the stream, each shard read from its start to its end (the command's reader). */
export async function readStream(client: KinesisClient, name: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const record of streamRecords(client, { stream: name })) out.push(record);
  return out;
}

/** A span read back, with its trace id. */
export type LandedSpan = TraceSpan & { traceId: string };

/**
 * The spans in stream records, each once (the command's reader and de-duplication), with
 * their attributes: for checks that a span landed as it was sent.
 */
export async function spansFromRecords(records: StoredRecord[]): Promise<LandedSpan[]> {
  if (records.length === 0) return [];
  const source: Source = {
    description: 'stream records',
    async *records() {
      for (const { data } of records) yield { data };
    },
  };
  const { details } = await analyze(source, { detail: () => true });
  return [...details.values()].flatMap((trace) => trace.spans.map((span) => ({ ...span, traceId: trace.traceId })));
}
