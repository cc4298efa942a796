import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readConsumerConfig } from '../../handlers/tail-sampler/config';
import { createConsumer } from '../../handlers/tail-sampler/consumer';
import { startEventSource, type LocalEventSource } from '../../testing/event-source';
import { createDecisionTable } from '../../testing/decision-table';
import { startLocalIngest } from '../../testing/ingest-stack';
import { OtlpReceiver } from '../../testing/otlp-receiver';
import { startTailSamplerBed, type TailSamplerBed } from '../../testing/tail-sampler-bed';

// The tail sampler's faults, each with the real parts: kinesalite, dynalite, the AWS SDK
// clients, an OTLP/HTTP backend on loopback. In each: no good span lost, none sent twice, and
// the shard moves on within its retry bound.

let bed: TailSamplerBed;
let source: LocalEventSource | undefined;
let n = 0;

beforeAll(async () => {
  bed = await startTailSamplerBed();
});
afterEach(async () => {
  await bed.reset();
  source = undefined;
});
afterAll(() => bed.close());

const traceIdOf = (seed: string): string => createHash('sha256').update(seed).digest('hex').slice(0, 32);

/** An error span (so its trace is kept), `padding` characters of attribute on it. */
function span(traceId: string, i: number, name = 'handle', padding = 0): Record<string, unknown> {
  const spanId = createHash('sha256').update(`${traceId}/${i}`).digest('hex').slice(0, 16);
  const attributes =
    padding > 0
      ? [
          {
            key: 'payload',
            value: {
              stringValue: createHash('sha256')
                .update(spanId)
                .digest('hex')
                .repeat(Math.ceil(padding / 64))
                .slice(0, padding),
            },
          },
        ]
      : [];
  return {
    traceId,
    spanId,
    name,
    kind: 2,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000100000000',
    attributes,
    status: { code: 2 },
  };
}

const record = (spans: Array<Record<string, unknown>>): Buffer =>
  gzipSync(
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] },
          scopeSpans: [{ scope: { name: 'test' }, spans }],
        },
      ],
    }),
  );

async function pipeline(env: Record<string, string> = {}, endpoint = bed.receiver.url) {
  const lane = await bed.lane(`fault-spans-${++n}`, 1);
  const run = await bed.consume(lane, {
    env: { HOPTRACE_FORWARD_ENDPOINT: endpoint, HOPTRACE_SAMPLE_RATIO: '0', ...env },
    batchSize: 100,
  });
  source = run.source;
  const put = (records: Array<{ traceId: string; data: Buffer }>) => bed.put(lane.stream, records);
  return { ...lane, ...run, put };
}

/** Fails with `what` rather than waiting for the test's timeout: a stuck shard never gets idle. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms)),
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const receivedIds = (r: OtlpReceiver = bed.receiver): string[] => r.spans().map((s) => s.spanId);
const idsOf = (spans: Array<Record<string, unknown>>): string[] => spans.map((s) => s.spanId as string);

async function setAside(
  table: string,
  traceId: string,
): Promise<Array<{ sk: string; reason: string; spans: string[] }>> {
  const out = await bed.dynamo.client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :aside)',
      ExpressionAttributeValues: { ':pk': { S: traceId }, ':aside': { S: 'aside#' } },
    }),
  );
  return (out.Items ?? []).map((item) => {
    const body = JSON.parse(gunzipSync(Buffer.from(item.data!.B!)).toString()) as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ spanId: string }> }> }>;
    };
    return {
      sk: item.sk!.S!,
      reason: item.reason!.S!,
      spans: body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.spanId))),
    };
  });
}

/** The shard's records as the event source mapping hands them over, to deliver a batch again. */
async function readBack(stream: string): Promise<KinesisStreamEvent> {
  const { Shards = [] } = await bed.kinesis.client.send(new ListShardsCommand({ StreamName: stream }));
  const records: KinesisStreamRecord[] = [];
  for (const shard of Shards) {
    const { ShardIterator } = await bed.kinesis.client.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const page = await bed.kinesis.client.send(new GetRecordsCommand({ ShardIterator: ShardIterator! }));
    for (const r of page.Records ?? []) {
      records.push({
        eventID: `${shard.ShardId}:${r.SequenceNumber}`,
        kinesis: {
          data: Buffer.from(r.Data!).toString('base64'),
          partitionKey: r.PartitionKey!,
          sequenceNumber: r.SequenceNumber!,
        },
      } as KinesisStreamRecord);
    }
  }
  return { Records: records };
}

describe('tail sampler faults (kinesalite, dynalite, a loopback OTLP backend)', () => {
  it('sends a kept trace larger than the request bound in requests within it, sets a span alone over it aside, and the shard moves on', async () => {
    const MAX = 20_000;
    // The backend's own limit, as a Collector's max request size: a larger body gets 413.
    bed.receiver.refuseWhen((_body, bytes) => (bytes > MAX ? 413 : undefined));
    const { table, logs, put, counter } = await pipeline({ HOPTRACE_FORWARD_MAX_BYTES: String(MAX) });
    const large = traceIdOf('large');
    const largeSpans = Array.from({ length: 60 }, (_, i) => span(large, i, 'handle', 1000));
    const oversized = traceIdOf('oversized');
    const oversizedSpans = [span(oversized, 0, 'huge', 30_000), span(oversized, 1)];
    const after = traceIdOf('after');
    await put([
      { traceId: large, data: record(largeSpans) },
      { traceId: oversized, data: record(oversizedSpans) },
    ]);
    await within(source!.idle(), 10_000, 'the shard got past the large trace');
    await put([{ traceId: after, data: record([span(after, 0)]) }]);
    await within(source!.idle(), 10_000, 'the shard got past the large trace');

    expect(receivedIds().sort()).toEqual(
      [...idsOf(largeSpans), idsOf(oversizedSpans)[1]!, idsOf([span(after, 0)])[0]!].sort(),
    );
    expect(Math.max(...bed.receiver.requests.map((r) => r.bytes))).toBeLessThanOrEqual(MAX);
    expect(bed.receiver.attempts).toBe(bed.receiver.requests.length);
    const aside = await setAside(table, oversized);
    expect(aside).toEqual([
      {
        sk: expect.stringMatching(/^aside#/),
        reason: expect.stringContaining('over HOPTRACE_FORWARD_MAX_BYTES'),
        spans: [idsOf(oversizedSpans)[0]],
      },
    ]);
    expect(logs.filter((l) => l.message === 'spans set aside, not forwarded').map((l) => l.fields?.traceId)).toEqual([
      oversized,
    ]);
    expect(counter('RefusedSpans')).toBe(1);
  });

  it('sets aside a trace the backend refuses for good, logged once, delivers the rest of its batch once, and a redelivered batch sends nothing again', async () => {
    bed.receiver.refuseWhen((body) =>
      body.resourceSpans.some((rs) => rs.scopeSpans.some((ss) => ss.spans.some((s) => s.name === 'poison')))
        ? 400
        : undefined,
    );
    const { stream, table, consume, logs, put, counter } = await pipeline();
    const good = Array.from({ length: 6 }, (_, i) => traceIdOf(`good-${i}`));
    const poisoned = traceIdOf('poisoned');
    const goodSpans = good.map((id) => [span(id, 0), span(id, 1)]);
    const poisonSpans = [span(poisoned, 0, 'poison'), span(poisoned, 1)];
    // One batch, one request: the poisoned trace sits among the good ones.
    await put([
      ...good.slice(0, 3).map((id, i) => ({ traceId: id, data: record(goodSpans[i]!) })),
      { traceId: poisoned, data: record(poisonSpans) },
      ...good.slice(3).map((id, i) => ({ traceId: id, data: record(goodSpans[i + 3]!) })),
    ]);
    await within(source!.idle(), 10_000, 'the shard got past the refused trace');

    expect(receivedIds().sort()).toEqual(
      goodSpans
        .flat()
        .map((s) => s.spanId as string)
        .sort(),
    );
    const refusals = logs.filter((l) => l.message === 'spans set aside, not forwarded');
    expect(refusals.map((l) => [l.fields?.traceId, l.fields?.spans])).toEqual([[poisoned, 2]]);
    expect(String(refusals[0]!.fields?.reason)).toContain('answered 400');
    expect((await setAside(table, poisoned)).flatMap((a) => a.spans).sort()).toEqual(idsOf(poisonSpans).sort());
    expect(counter('RefusedSpans')).toBe(2);
    // A final refusal is not sent again: one request for the whole batch, then its halves down to the poisoned trace.
    const refusedSends = bed.receiver.attempts - bed.receiver.requests.length;
    expect(refusedSends).toBeLessThanOrEqual(Math.ceil(Math.log2(7)) + 1);

    // The mapping delivers the same batch again (a timeout after the work was done).
    const before = { sent: bed.receiver.attempts, logged: refusals.length };
    expect((await consume(await readBack(stream))).batchItemFailures).toEqual([]);
    expect(bed.receiver.attempts).toBe(before.sent);
    expect(logs.filter((l) => l.message === 'spans set aside, not forwarded').length).toBe(before.logged);
  });

  it('holds the shard while the backend is down, then delivers each span once when it is back', async () => {
    const backend = await OtlpReceiver.start();
    const port = backend.port;
    await backend.close();
    const { put } = await pipeline({}, `http://127.0.0.1:${port}/v1/traces`);
    const ids = Array.from({ length: 5 }, (_, i) => traceIdOf(`down-${i}`));
    const spans = ids.map((id) => [span(id, 0), span(id, 1)]);
    await put(ids.map((id, i) => ({ traceId: id, data: record(spans[i]!) })));
    await within(
      (async () => {
        while (source!.invocations < 3) await new Promise((r) => setTimeout(r, 20));
      })(),
      10_000,
      'redeliveries while the backend is down',
    );
    const back = await OtlpReceiver.start(port);
    try {
      await within(source!.idle(), 10_000, 'the shard drained once the backend was back');
      expect(receivedIds(back).sort()).toEqual(
        spans
          .flat()
          .map((s) => s.spanId as string)
          .sort(),
      );
    } finally {
      await back.close();
    }
  });

  it('sets a trace aside once the backend has not taken it for the retry window, and the shard moves on', async () => {
    const backend = await OtlpReceiver.start();
    const port = backend.port;
    await backend.close();
    const { table, put, counter, logs } = await pipeline(
      { HOPTRACE_FORWARD_RETRY_S: '1' },
      `http://127.0.0.1:${port}/v1/traces`,
    );
    const stuck = traceIdOf('stuck');
    const stuckSpans = [span(stuck, 0), span(stuck, 1)];
    await put([{ traceId: stuck, data: record(stuckSpans) }]);
    await within(source!.idle(), 10_000, 'the shard moved on after the retry window');
    expect((await setAside(table, stuck)).flatMap((a) => a.spans).sort()).toEqual(idsOf(stuckSpans).sort());
    expect(logs.find((l) => l.message === 'spans set aside, not forwarded')?.fields?.reason).toMatch(
      /^not taken within 1 s/,
    );
    expect(counter('SetAsideSpans')).toBe(2);
    expect(counter('RefusedSpans')).toBe(0);
  });

  it('skips a poison record among good ones, and loses none of them', async () => {
    const { logs, put } = await pipeline();
    const ids = Array.from({ length: 4 }, (_, i) => traceIdOf(`among-${i}`));
    const spans = ids.map((id) => [span(id, 0)]);
    await put([
      { traceId: ids[0]!, data: record(spans[0]!) },
      { traceId: ids[1]!, data: gzipSync('{"resourceSpans":') },
      { traceId: ids[1]!, data: record(spans[1]!) },
      { traceId: ids[2]!, data: Buffer.from('not gzip') },
      { traceId: ids[2]!, data: record(spans[2]!) },
      { traceId: ids[3]!, data: record(spans[3]!) },
    ]);
    await within(source!.idle(), 10_000, 'the shard got past the poison records');
    expect(receivedIds().sort()).toEqual(
      spans
        .flat()
        .map((s) => s.spanId as string)
        .sort(),
    );
    expect(logs.filter((l) => l.message.startsWith('record skipped')).length).toBe(2);
  });
});

describe('tail sampler behind the ingest (the OpenTelemetry exporter, serverless-offline, kinesalite, dynalite)', () => {
  it('forwards what the exporter sent, in requests within the bound, and sets aside the one span no request can hold', async () => {
    const stream = 'tail-fault-ingest';
    const ingest = await startLocalIngest(stream, 1);
    const backend = await OtlpReceiver.start();
    let sampler: LocalEventSource | undefined;
    try {
      const MAX = 4 * 1024 * 1024;
      backend.refuseWhen((_body, bytes) => (bytes > MAX ? 413 : undefined));
      const provider = new BasicTracerProvider({
        spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${ingest.url}/v1/traces` }))],
      });
      const tracer = provider.getTracer('faults');
      // A routine span first, while the ingest starts (never forwarded: nothing routine is sampled).
      tracer.startSpan('warm up').end();
      await provider.forceFlush().catch(() => undefined);
      // Within every limit of the ingest (128 events of 4 values of 8192 characters): a record of
      // some tens of KB, over 4 MiB as OTLP JSON.
      const huge = tracer.startSpan('upload');
      const value = 'x'.repeat(8192);
      for (let i = 0; i < 128; i++) huge.addEvent(`chunk ${i}`, { a: value, b: value, c: value, d: value });
      huge.setStatus({ code: SpanStatusCode.ERROR });
      huge.end();
      const failed = Array.from({ length: 3 }, (_, i) => {
        const s = tracer.startSpan(`failed ${i}`);
        s.setStatus({ code: SpanStatusCode.ERROR });
        s.end();
        return s.spanContext().spanId;
      });
      await provider.forceFlush();
      await provider.shutdown();

      const table = `fault-decisions-ingest`;
      await createDecisionTable(bed.dynamo.client, table);
      const config = readConsumerConfig({
        HOPTRACE_FORWARD_ENDPOINT: backend.url,
        HOPTRACE_DECISION_TABLE: table,
        HOPTRACE_SAMPLE_RATIO: '0',
      });
      const logs: Array<{ message: string; fields?: Record<string, unknown> }> = [];
      const consume = createConsumer(config, bed.dynamo.client, {
        emit: () => undefined,
        log: (_level, message, fields) => logs.push({ message, ...(fields ? { fields } : {}) }),
      });
      sampler = await startEventSource(ingest.kinesis.client, stream, (event: KinesisStreamEvent) => consume(event));
      await within(sampler.idle(), 20_000, 'the shard got past the oversized span');

      expect([...new Set(receivedIds(backend))].sort()).toEqual([...failed].sort());
      expect(backend.attempts).toBe(backend.requests.length);
      const asides = logs.filter((l) => l.message === 'spans set aside, not forwarded');
      expect(asides.map((l) => [l.fields?.traceId, l.fields?.spans])).toEqual([[huge.spanContext().traceId, 1]]);
      expect(String(asides[0]!.fields?.reason)).toContain('over HOPTRACE_FORWARD_MAX_BYTES');
    } finally {
      await sampler?.stop();
      await backend.close();
      await ingest.stop();
    }
  }, 120_000);
});
