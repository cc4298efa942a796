import { spawn } from 'node:child_process';
import { gunzipSync, gzipSync } from 'node:zlib';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamRecord } from 'aws-lambda';
import { readConsumerConfig } from '../handlers/tail-sampler/config';
import { createConsumer } from '../handlers/tail-sampler/consumer';
import { decisionTableClient } from '../handlers/tail-sampler/dynamodb-client';
import { decodeStreamRecord } from '../src/otlp/stream-record';
import { inSampledFraction, interest } from '../handlers/tail-sampler/policy';
import { createDecisionTable } from '../testing/decision-table';
import { LOCAL_CREDENTIALS } from '../testing/kinesis';
import { seededRandom, shuffle, splitTraces, type SplitTrace } from '../testing/split-traces';
import { startTailSamplerBed } from '../testing/tail-sampler-bed';
import { spansPerCpuSecond } from './ingest';

const SILENT = { emit: (): void => undefined, log: (): void => undefined };
const SPANS_PER_TRACE = 6;
const BATCH = 500;
const RATIO = 0.1;

function lambdaRecords(traces: SplitTrace[], random: () => number, firstSequence: number): KinesisStreamRecord[] {
  const parts = shuffle(
    traces.flatMap((t) => t.parts.map((data) => ({ traceId: t.traceId, data }))),
    random,
  );
  return parts.map((p, i) => {
    const sequenceNumber = String(firstSequence + i);
    return {
      eventID: `shardId-000000000000:${sequenceNumber}`,
      kinesis: { data: p.data.toString('base64'), partitionKey: p.traceId, sequenceNumber },
    } as KinesisStreamRecord;
  });
}

/** dynalite in a process of its own, so that its CPU is not counted as the consumer's. */
async function childDynalite(): Promise<{ endpoint: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['-e', "require('dynalite')({createTableMs:0}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})"],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

export interface TailSamplerThroughput {
  spansPerSecond: number;
  boundSpansPerSecond: number;
  spans: number;
}

/**
 * The consumer's CPU per span: batches of 500 records (traces of three parts, shuffled, a
 * tenth of the routine ones sampled), the decision store in dynalite and the backend in other
 * processes, so what is counted is the consumer's own work (decoding, deciding, the store's
 * and the backend's requests, RED metrics). The bound: gunzip + JSON.parse of every record and
 * JSON.stringify + gzip of all of it, as a forwarder that kept everything would do at least.
 * Both are measured warm, their warm-up left out alike: `warmRounds` rounds of the consumer,
 * five of the bound; then the consumer for `rounds` rounds (12 are ~70 batches, several
 * seconds of CPU: 4 rounds read 0.12–0.14 of the bound where 16 read 0.16–0.19, alternated
 * on one machine), and the bound for as long.
 */
export async function tailSamplerThroughput(
  receiverUrl: string,
  rounds: number,
  warmRounds = 2,
): Promise<TailSamplerThroughput> {
  const dynalite = await childDynalite();
  const client = decisionTableClient({
    endpoint: dynalite.endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
  try {
    await createDecisionTable(client, 'bench-decisions');
    const consume = createConsumer(
      readConsumerConfig({
        HOPTRACE_FORWARD_ENDPOINT: receiverUrl,
        HOPTRACE_DECISION_TABLE: 'bench-decisions',
        HOPTRACE_SAMPLE_RATIO: String(RATIO),
      }),
      client,
      SILENT,
    );
    const random = seededRandom(21);
    // Fresh traces each round: the consumer remembers what it forwarded.
    const workload = Array.from({ length: warmRounds + rounds }, (_, r) =>
      lambdaRecords(splitTraces(1000, 100 + r), random, r * 10_000),
    );
    const run = async (records: KinesisStreamRecord[]): Promise<void> => {
      for (let i = 0; i < records.length; i += BATCH) {
        const { batchItemFailures } = await consume({ Records: records.slice(i, i + BATCH) });
        if (batchItemFailures.length > 0) throw new Error(`${batchItemFailures.length} record(s) failed in the bench`);
      }
    };
    for (const records of workload.slice(0, warmRounds)) await run(records);
    const start = process.cpuUsage();
    const wallStart = Date.now();
    for (const records of workload.slice(warmRounds)) await run(records);
    const cpu = process.cpuUsage(start);
    const seconds = Math.max(2, (Date.now() - wallStart) / 1000);
    const spans = rounds * 1000 * SPANS_PER_TRACE;
    const spansPerSecond = spans / ((cpu.user + cpu.system) / 1e6);
    const sample = workload[warmRounds]!.slice(0, BATCH).map((r) => Buffer.from(r.kinesis.data, 'base64'));
    const boundSpansPerSecond = await spansPerCpuSecond(BATCH * 2, seconds, () =>
      gzipSync(JSON.stringify(sample.map((b) => JSON.parse(gunzipSync(b).toString('utf8'))))),
    );
    return { spansPerSecond, boundSpansPerSecond, spans };
  } finally {
    client.destroy();
    dynalite.stop();
  }
}

export interface Completeness {
  kept: number;
  complete: number;
  /** Kept traces that would be complete with each record decided on its own spans only. */
  statelessComplete: number;
  duplicates: number;
}

/**
 * Traces of three parts arriving in three waves, each wave a later flush, shuffled, so parts
 * of one trace reach the consumer in different batches and in any order, through kinesalite,
 * the local event source mapping, dynalite and a loopback OTLP receiver: how many kept traces
 * arrive whole. The reference is the same workload decided record by record, with no store.
 */
export async function tailSamplerCompleteness(count: number): Promise<Completeness> {
  const bed = await startTailSamplerBed();
  try {
    const lane = await bed.lane('bench-spans');
    const env = { HOPTRACE_SAMPLE_RATIO: String(RATIO) };
    const config = readConsumerConfig({
      HOPTRACE_FORWARD_ENDPOINT: bed.receiver.url,
      HOPTRACE_DECISION_TABLE: lane.table,
      ...env,
    });
    const { source } = await bed.consume(lane, { env, batchSize: 100 });
    const traces = splitTraces(count, 42);
    const random = seededRandom(43);
    for (let wave = 0; wave < 3; wave++) {
      await bed.put(
        lane.stream,
        shuffle(
          traces.map((t) => ({ traceId: t.traceId, data: t.parts[wave]! })),
          random,
        ),
      );
      await source.idle();
    }
    await source.stop();

    const got = new Map<string, Set<string>>();
    const spans = bed.receiver.spans();
    for (const s of spans) got.set(s.traceId, (got.get(s.traceId) ?? new Set()).add(s.spanId));
    const kept = traces.filter((t) => t.outcome !== 'routine' || inSampledFraction(t.traceId, RATIO));
    const complete = kept.filter((t) => got.get(t.traceId)?.size === t.spanIds.length).length;
    const partKept = (t: SplitTrace, part: Buffer): boolean => {
      const { request } = decodeStreamRecord(part);
      return (
        interest(
          request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)),
          config.policies,
        ) !== undefined || inSampledFraction(t.traceId, RATIO)
      );
    };
    const statelessComplete = kept.filter((t) => t.parts.every((p) => partKept(t, p))).length;
    const distinct = new Set(spans.map((s) => `${s.traceId}/${s.spanId}`)).size;
    return { kept: kept.length, complete, statelessComplete, duplicates: spans.length - distinct };
  } finally {
    await bed.close();
  }
}
