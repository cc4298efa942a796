import { PutRecordsCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRow } from '../../span-table/rows';
import { HoptraceAttribute } from '../../src/otlp/hoptrace-attributes';
import { transform, type FirehoseTransformationEvent, type TransformedRecord } from '../../handlers/archive/transform';
import type { PutRecords } from '../../handlers/ingest/kinesis-writer';
import { startLocalIngest, type LocalIngest } from '../../testing/ingest-stack';
import { createStream, readStream } from '../../testing/kinesis';
import { startFaultProxy } from '../helpers/kinesis-fault-proxy';

// The archive transformation's faults with the real parts: the OpenTelemetry JS exporter
// sending to the ingest (serverless-offline) into kinesalite, the bundled archive function
// invoked as Firehose invokes it, its put-backs read again from the stream as Firehose would,
// and the AWS SDK's Kinesis client through a proxy that refuses or goes down. In each: every
// good span lands in exactly one row, and no record goes round the stream more than once.
const STREAM = 'archive-fault-spans';
let ingest: LocalIngest;

beforeAll(async () => {
  ingest = await startLocalIngest(STREAM, 1);
}, 180_000);
afterAll(async () => {
  await ingest?.stop();
});

interface Round {
  answers: TransformedRecord[];
  rows: Array<SpanRow & { dt: string }>;
}

/** Firehose over the stream: every record not yet read, through the archive function, until no record comes back. */
async function firehose(
  stream: string,
  invoke: (event: FirehoseTransformationEvent) => Promise<{ records: TransformedRecord[] }>,
): Promise<Round[]> {
  const rounds: Round[] = [];
  let read = 0;
  for (let round = 0; round < 6; round++) {
    const records = (await readStream(ingest.kinesis.client, stream)).slice(read);
    if (records.length === 0) return rounds;
    read += records.length;
    const event = {
      records: records.map((r, i) => ({
        recordId: `${round}-${i}`,
        data: r.data.toString('base64'),
        approximateArrivalTimestamp: Date.now(),
        kinesisRecordMetadata: { partitionKey: r.partitionKey },
      })),
    };
    const { records: answers } = await invoke(event);
    const rows = answers
      .filter((a) => a.result === 'Ok')
      .flatMap((a) =>
        Buffer.from(a.data, 'base64')
          .toString()
          .split('\n')
          .filter(Boolean)
          .map((line) => ({ ...(JSON.parse(line) as SpanRow), dt: a.metadata!.partitionKeys.dt! })),
      );
    rounds.push({ answers, rows });
  }
  throw new Error('records still coming back after 6 rounds');
}

const archiveFunction = (event: FirehoseTransformationEvent) =>
  ingest.invoke('archive', event) as Promise<{ records: TransformedRecord[] }>;

describe('archive transformation faults', () => {
  it('archives every span of the OpenTelemetry exporter once: an oversized one cut to fit, one without a real start placed today, a poison record set apart', async () => {
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${ingest.url}/v1/traces` }))],
    });
    const tracer = provider.getTracer('faults', '1.0.0');
    const good = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER });
    good.setStatus({ code: SpanStatusCode.OK });
    good.end();
    // One span whose row is over the 4 MiB answer budget, in a record that gzips small, within
    // every limit of the ingest (128 events, values of 8192 characters, a 5 MiB body).
    const huge = tracer.startSpan('upload', { attributes: { keep: 'me' } });
    const value = 'x'.repeat(8192);
    for (let i = 0; i < 128; i++) huge.addEvent(`chunk ${i}`, { a: value, b: value, c: value, d: value });
    huge.end();
    // A start time at the epoch's first millisecond, as a sender with no clock sends.
    const epoch = tracer.startSpan('no clock', { startTime: [0, 1_000_000] });
    epoch.end();
    await provider.forceFlush();
    await provider.shutdown();
    await ingest.kinesis.client.send(
      new PutRecordsCommand({
        StreamName: STREAM,
        Records: [{ PartitionKey: 'a'.repeat(32), Data: Buffer.from('poison') }],
      }),
    );

    const rounds = await firehose(STREAM, archiveFunction);
    const rows = rounds.flatMap((r) => r.rows);
    const ids = [good, huge, epoch].map((s) => s.spanContext().spanId);
    // The exporter may send a span twice (it retries an answer that came late); readers de-duplicate.
    expect([...new Set(rows.map((r) => r.span_id))].sort()).toEqual([...ids].sort());
    expect(rounds.flatMap((r) => r.answers).filter((a) => a.result === 'ProcessingFailed')).toHaveLength(1);
    // Nothing put back: the oversized row was cut, not sent round the stream again.
    expect(rounds).toHaveLength(1);

    const upload = rows.find((r) => r.span_id === huge.spanContext().spanId)!;
    expect(upload.span_attributes.keep).toBe('me');
    expect(upload.events).toHaveLength(64);
    expect(upload.span_attributes[HoptraceAttribute.Truncated]).toBe(
      'texts cut at 1024 characters: 256; dropped: 0 attributes, 64 events, 0 links',
    );
    const today = new Date().toISOString().slice(0, 10);
    const noClock = rows.find((r) => r.span_id === epoch.spanContext().spanId)!;
    expect([noClock.dt, noClock.span_attributes[HoptraceAttribute.SentStartTime]]).toEqual([today, '1000000']);
    expect(rows.find((r) => r.span_id === good.spanContext().spanId)!.dt).toBe(today);
  }, 60_000);

  it('answers a redelivered batch the same way', async () => {
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${ingest.url}/v1/traces` }))],
    });
    for (let i = 0; i < 5; i++) provider.getTracer('faults').startSpan(`op ${i}`).end();
    await provider.forceFlush();
    await provider.shutdown();
    // The ingest writes to its own stream: read its newest records.
    const records = (await readStream(ingest.kinesis.client, STREAM)).slice(-5);
    const event = {
      records: records.map((r, i) => ({
        recordId: String(i),
        data: r.data.toString('base64'),
        approximateArrivalTimestamp: Date.now(),
      })),
    };
    const first = await archiveFunction(event);
    const again = await archiveFunction(event);
    expect(again).toEqual(first);
    expect(first.records.map((r) => r.result)).toEqual(records.map(() => 'Ok'));
  }, 60_000);

  describe('when the stream refuses the put-backs (the AWS SDK client through a fault proxy)', () => {
    const bigRecord = (): Promise<Buffer> => {
      // Many spans of a few hundred bytes each: over a small budget, so the record goes back split.
      const spans = Array.from({ length: 40 }, (_, i) => ({
        traceId: 'b'.repeat(32),
        spanId: i.toString(16).padStart(16, '0'),
        name: 'op',
        kind: 1,
        startTimeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`,
        endTimeUnixNano: `${BigInt(Date.now()) * 1_000_000n + 1000n}`,
        attributes: [{ key: 'pad', value: { stringValue: 'p'.repeat(300) } }],
      }));
      return import('node:zlib').then(({ gzipSync }) =>
        gzipSync(
          JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: {}, spans }] }] }),
        ),
      );
    };

    async function run(
      plan: Parameters<typeof startFaultProxy>[1],
      deadlineMs: number,
    ): Promise<{ result: string; data: string; stored: number }> {
      const stream = `archive-fault-put-${Math.random().toString(16).slice(2, 8)}`;
      await createStream(ingest.kinesis.client, stream, 1);
      const proxy = await startFaultProxy(ingest.kinesis.endpoint, plan);
      const client = new KinesisClient({
        endpoint: proxy.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        maxAttempts: 1,
        requestHandler: new NodeHttpHandler({ connectionTimeout: 500, requestTimeout: 2000 }),
      });
      try {
        const putRecords: PutRecords = (input) => client.send(new PutRecordsCommand(input));
        const data = await bigRecord();
        const out = await transform(
          { records: [{ recordId: 'r', data: data.toString('base64'), approximateArrivalTimestamp: Date.now() }] },
          {
            streamName: stream,
            putRecords,
            deadlineMs: Date.now() + deadlineMs,
            outputBudgetBytes: 8 * 1024,
            log: () => {},
          },
        );
        const stored = (await readStream(ingest.kinesis.client, stream)).length;
        return {
          result: out.records[0]!.result,
          data: out.records[0]!.data === data.toString('base64') ? 'original' : out.records[0]!.data,
          stored,
        };
      } finally {
        client.destroy();
        await proxy.close();
      }
    }

    it('keeps the record whole under the error prefix when the stream refuses for good, never dropped', async () => {
      expect(await run({ failCall: () => true }, 1500)).toEqual({
        result: 'ProcessingFailed',
        data: 'original',
        stored: 0,
      });
    });

    it('puts the record back once the stream is back within the deadline', async () => {
      let calls = 0;
      const out = await run({ down: () => calls++ < 2 }, 5000);
      expect(out.result).toBe('Dropped');
      expect(out.stored).toBeGreaterThan(1);
    });
  });
});
