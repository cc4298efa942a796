import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSpanTable } from '../../cli/src/archive/duckdb-table';
import { HoptraceAttribute } from '../../src/otlp/hoptrace-attributes';
import { startEventSource } from '../../testing/event-source';
import { ARCHIVE_BUCKET, startLocalIngest, type LocalIngest } from '../../testing/ingest-stack';
import { decodeStreamRecord } from '../../src/otlp/stream-record';
import { createStream, readStream } from '../../testing/kinesis';

// The archive function's faults with the real parts: the OpenTelemetry JS exporter sending to
// the ingest (serverless-offline) into kinesalite, the bundled archive function handed the
// stream's batches as the event source mapping hands them (retrying from the first record it
// reports failed), its AWS SDK S3 client writing to the S3 stand-in, which is made to throttle
// or go down. In each: every good span lands in exactly one row, nothing is lost, and a batch
// delivered again writes the same objects rather than a second copy.
const STREAM = 'archive-fault-spans';
let ingest: LocalIngest;
let bucket: string;

beforeAll(async () => {
  ingest = await startLocalIngest(STREAM, 1);
  bucket = ingest.s3.bucketDir(ARCHIVE_BUCKET);
}, 180_000);
afterAll(async () => {
  await ingest?.stop();
});
beforeEach(() => {
  rmSync(bucket, { recursive: true, force: true });
  delete ingest.s3.faults.down;
  delete ingest.s3.faults.slowDown;
});

const archiveFunction = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> =>
  (await ingest.invoke('archive', event)) as KinesisStreamBatchResponse;

/** Every record of `stream` through the archive function, as the event source mapping would; its invocations. */
async function drain(stream: string): Promise<number> {
  const mapping = await startEventSource(ingest.kinesis.client, stream, archiveFunction, { retryMs: 100 });
  await mapping.idle();
  await mapping.stop();
  return mapping.invocations;
}

const files = (prefix: string): string[] => {
  const dir = join(bucket, prefix);
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
};

type Row = { span_id: string; dt: string; span_attributes: Record<string, string>; events: unknown[] };

/** The span table's rows as the command reads the archive (DuckDB over the bucket's spans/). */
async function tableRows(): Promise<Row[]> {
  const table = await openSpanTable(join(bucket, 'spans'));
  try {
    const rows = await table.select('SELECT span_id, dt, span_attributes, events FROM otel_traces', []);
    return rows.map((r) => ({
      span_id: String(r.span_id),
      dt: String(r.dt),
      span_attributes: Object.fromEntries(
        (r.span_attributes as unknown as Array<{ key: string; value: string }>).map((kv) => [kv.key, kv.value]),
      ),
      events: r.events as unknown as unknown[],
    }));
  } finally {
    table.close();
  }
}

/** A stream of its own with `count` spans from the OpenTelemetry exporter, through the ingest; their ids. */
async function spansOnAStream(count: number): Promise<{ stream: string; ids: string[] }> {
  const stream = `archive-fault-${Math.random().toString(16).slice(2, 8)}`;
  await createStream(ingest.kinesis.client, stream, 1);
  // The ingest writes to its one stream: these records are copied from it onto this one.
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${ingest.url}/v1/traces` }))],
  });
  const spans = Array.from({ length: count }, (_, i) => provider.getTracer('faults').startSpan(`op ${i}`));
  for (const s of spans) s.end();
  await provider.forceFlush();
  await provider.shutdown();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const holdsOne = (data: Buffer): boolean => {
    try {
      return decodeStreamRecord(data).request.resourceSpans.some((rs) =>
        rs.scopeSpans.some((ss) => ss.spans.some((span) => ids.has(span.spanId))),
      );
    } catch {
      return false; // the first test's poison record
    }
  };
  const records = (await readStream(ingest.kinesis.client, STREAM)).filter((r) => holdsOne(r.data));
  await ingest.kinesis.client.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: records.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data })),
    }),
  );
  return { stream, ids: [...ids] };
}

describe('archive function faults', () => {
  it('archives every span of the OpenTelemetry exporter once: an oversized one cut to fit, one without a real start placed today, a poison record set apart', async () => {
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${ingest.url}/v1/traces` }))],
    });
    const tracer = provider.getTracer('faults', '1.0.0');
    const good = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER });
    good.setStatus({ code: SpanStatusCode.OK });
    good.end();
    // One span whose row is over the 2 MiB a row may take, in a record that gzips small, within
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

    await drain(STREAM);
    const rows = await tableRows();
    const ids = [good, huge, epoch].map((s) => s.spanContext().spanId);
    // The exporter may send a span twice (it retries an answer that came late); readers de-duplicate.
    expect([...new Set(rows.map((r) => r.span_id))].sort()).toEqual([...ids].sort());
    const today = new Date().toISOString().slice(0, 10);
    const errors = files('errors');
    expect(errors).toEqual([
      expect.stringMatching(new RegExp(`^processing-failed/dt=${today}/shardId-[\\d-]+\\.jsonl$`)),
    ]);
    const poison = JSON.parse(readFileSync(join(bucket, 'errors', errors[0]!), 'utf8')) as Record<string, string>;
    expect(Buffer.from(poison.rawData!, 'base64').toString()).toBe('poison');

    const upload = rows.find((r) => r.span_id === huge.spanContext().spanId)!;
    expect(upload.span_attributes.keep).toBe('me');
    expect(upload.events).toHaveLength(64);
    expect(upload.span_attributes[HoptraceAttribute.Truncated]).toBe(
      'texts cut at 1024 characters: 256; dropped: 0 attributes, 64 events, 0 links',
    );
    const noClock = rows.find((r) => r.span_id === epoch.spanContext().spanId)!;
    expect([noClock.dt, noClock.span_attributes[HoptraceAttribute.SentStartTime]]).toEqual([today, '1000000']);
    expect(rows.find((r) => r.span_id === good.spanContext().spanId)!.dt).toBe(today);
  }, 60_000);

  it('writes the same objects for a batch delivered again, not a second copy', async () => {
    const { stream, ids } = await spansOnAStream(5);
    await drain(stream);
    const first = files('spans');
    const bytes = first.map((f) => readFileSync(join(bucket, 'spans', f)));
    // The mapping's checkpoint lost: every record delivered again.
    await drain(stream);
    expect(files('spans')).toEqual(first);
    expect(first.map((f) => readFileSync(join(bucket, 'spans', f)))).toEqual(bytes);
    expect((await tableRows()).map((r) => r.span_id).sort()).toEqual([...ids].sort());
  }, 60_000);

  it('rides out S3 throttling (503 SlowDown) within the SDK retries: one invocation, every span once', async () => {
    const { stream, ids } = await spansOnAStream(5);
    let refused = 0;
    ingest.s3.faults.slowDown = () => refused++ < 2;
    expect(await drain(stream)).toBe(1);
    expect(ingest.s3.stats.refused).toBeGreaterThanOrEqual(2);
    expect((await tableRows()).map((r) => r.span_id).sort()).toEqual([...ids].sort());
  }, 60_000);

  it('reports the batch failed while S3 is down and writes it once S3 is back: every span once, no second copy', async () => {
    const { stream, ids } = await spansOnAStream(5);
    let attempts = 0;
    // Past the SDK's own retries of one invocation (3 attempts), then back.
    ingest.s3.faults.down = () => attempts++ < 5;
    const invocations = await drain(stream);
    expect(invocations).toBeGreaterThan(1);
    expect(files('spans')).toHaveLength(1);
    expect((await tableRows()).map((r) => r.span_id).sort()).toEqual([...ids].sort());
  }, 60_000);
});
