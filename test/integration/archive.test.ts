import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace as otelTrace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DuckDBInstance } from '@duckdb/node-api';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSpanTable } from '../../cli/src/archive/duckdb-table';
import { startEventSource } from '../../testing/event-source';
import { ARCHIVE_BUCKET, startLocalIngest, type LocalIngest } from '../../testing/ingest-stack';
import { withTracing } from '../../src/index';
import { lambdaContext } from '../helpers/lambda';
import { hoptraceJson } from '../unit/cli/run-cli';

// Real records, as the ingest writes them into kinesalite from hoptrace's exporter and from
// the OpenTelemetry JS exporter, through the bundled archive function in serverless-offline,
// handed the stream's batches as the event source mapping hands them, writing Parquet to the
// S3 stand-in; read back with the embedded engine and with `hoptrace --archive`: every span
// one row, every column right.
const STREAM = 'archive-spans';
let ingest: LocalIngest;
/** The span table as the archive wrote it: the bucket's `spans/` prefix. */
let dir: string;
const rows = new Map<string, Record<string, unknown>>();
const sdkExporter = new InMemorySpanExporter();
let sdkSpans: ReturnType<InMemorySpanExporter['getFinishedSpans']>;
let hoptraceRoot: { traceId: string; invocation: string; day: string };
let errorFiles: string[];

const hrNanos = ([s, n]: [number, number]): bigint => BigInt(s) * 1_000_000_000n + BigInt(n);

beforeAll(async () => {
  ingest = await startLocalIngest(STREAM, 1);

  const handler = withTracing(
    async () => {
      await otelTrace.getTracer('orders').startActiveSpan('charge card', async (span) => {
        span.setAttributes({ 'order.id': 'o-42', 'order.items': 3, 'order.total': 12.5, 'order.gift': false });
        span.addEvent('card checked', { 'card.brand': 'visa' });
        span.end();
      });
      throw new Error('card declined');
    },
    { endpoint: `${ingest.url}/v1/traces`, serviceName: 'checkout' },
  );
  const context = lambdaContext();
  await expect(handler({}, context)).rejects.toThrow('card declined');

  const provider = new BasicTracerProvider({
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${ingest.url}/v1/traces` })),
      new SimpleSpanProcessor(sdkExporter),
    ],
  });
  const tracer = provider.getTracer('otel-sdk', '2.0.0');
  const parent = tracer.startSpan('GET /stock', {
    kind: SpanKind.SERVER,
    attributes: { 'http.route': '/stock', tags: ['a', 'b'] },
  });
  const child = tracer.startSpan(
    'SELECT stock',
    {
      kind: SpanKind.CLIENT,
      links: [
        { context: { traceId: 'f'.repeat(32), spanId: 'e'.repeat(16), traceFlags: 1 }, attributes: { why: 'batch' } },
      ],
    },
    otelTrace.setSpan(ROOT_CONTEXT, parent),
  );
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
  child.end();
  parent.end();
  await provider.forceFlush();
  // Read before shutdown, which empties the in-memory exporter.
  sdkSpans = [...sdkExporter.getFinishedSpans()];
  await provider.shutdown();

  // A record that is not a stream record, among the real ones: kept under errors/, the rest archived.
  await ingest.kinesis.client.send(
    new PutRecordsCommand({
      StreamName: STREAM,
      Records: [{ PartitionKey: 'a'.repeat(32), Data: Buffer.from('garbage') }],
    }),
  );
  const mapping = await startEventSource(
    ingest.kinesis.client,
    STREAM,
    async (event) => (await ingest.invoke('archive', event)) as KinesisStreamBatchResponse,
  );
  await mapping.idle();
  await mapping.stop();
  const bucket = ingest.s3.bucketDir(ARCHIVE_BUCKET);
  dir = join(bucket, 'spans');
  errorFiles = readdirSync(join(bucket, 'errors'), { recursive: true }).map(String);

  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const reader = await connection.runAndReadAll(
    `SELECT *, epoch_ns(start_time)::VARCHAR AS start_ns FROM read_parquet('${dir}/**/*.parquet', hive_partitioning = true)`,
  );
  for (const row of reader.getRowObjectsJson() as Array<Record<string, unknown>>) {
    expect(rows.has(String(row.span_id))).toBe(false);
    rows.set(String(row.span_id), row);
  }
  connection.closeSync();
  const root = [...rows.values()].find((r) =>
    (r.span_attributes as Array<{ key: string; value: string }>).some(
      (kv) => kv.key === 'faas.invocation_id' && kv.value === context.awsRequestId,
    ),
  )!;
  hoptraceRoot = { traceId: String(root.trace_id), invocation: String(context.awsRequestId), day: String(root.dt) };
}, 180_000);

afterAll(async () => {
  await ingest?.stop();
});

const attrs = (row: Record<string, unknown>, column = 'span_attributes'): Record<string, string> =>
  Object.fromEntries((row[column] as Array<{ key: string; value: string }>).map((kv) => [kv.key, kv.value]));

describe('the span table from real stream records', () => {
  it("holds hoptrace's spans, one row each, with the error, the event and typed attributes as text", () => {
    const spans = [...rows.values()].filter((r) => r.trace_id === hoptraceRoot.traceId);
    const root = spans.find((r) => r.parent_span_id === '')!;
    const charge = spans.find((r) => r.span_name === 'charge card')!;
    expect(root).toMatchObject({
      service_name: 'checkout',
      span_kind: 'Server',
      status_code: 'Error',
      status_message: 'card declined',
    });
    expect(attrs(root)['faas.coldstart']).toMatch(/^(true|false)$/);
    expect(charge.parent_span_id).toBe(root.span_id);
    expect(attrs(charge)).toMatchObject({
      'order.id': 'o-42',
      'order.items': '3',
      'order.total': '12.5',
      'order.gift': 'false',
    });
    expect((charge.events as Array<{ name: string }>).map((e) => e.name)).toEqual(['card checked']);
    expect(attrs(root, 'resource_attributes')['service.name']).toBe('checkout');
    expect(Number(root.duration_ns)).toBeGreaterThan(0);
    expect(root.dt).toBe(String(root.start_time).slice(0, 10));
    expect((root.events as Array<{ name: string }>).map((e) => e.name)).toContain('exception');
  });

  it("holds the OpenTelemetry JS exporter's spans with ids, kinds, times to the nanosecond, links and status", () => {
    expect(sdkSpans).toHaveLength(2);
    for (const sent of sdkSpans) {
      const row = rows.get(sent.spanContext().spanId)!;
      expect(row).toBeDefined();
      expect(row.trace_id).toBe(sent.spanContext().traceId);
      expect(row.parent_span_id).toBe(sent.parentSpanContext?.spanId ?? '');
      expect(row.span_name).toBe(sent.name);
      expect(row.span_kind).toBe(sent.kind === SpanKind.SERVER ? 'Server' : 'Client');
      expect(row.start_ns).toBe(hrNanos(sent.startTime).toString());
      expect(String(row.duration_ns)).toBe((hrNanos(sent.endTime) - hrNanos(sent.startTime)).toString());
      // The local ingest runs without keys, so it stamps every resource with the anonymous tenant.
      expect(row).toMatchObject({ scope_name: 'otel-sdk', scope_version: '2.0.0', tenant: 'anonymous' });
    }
    const select = [...rows.values()].find((r) => r.span_name === 'SELECT stock')!;
    expect(select).toMatchObject({ status_code: 'Error', status_message: 'deadlock' });
    expect(select.links).toEqual([
      {
        trace_id: 'f'.repeat(32),
        span_id: 'e'.repeat(16),
        trace_state: '',
        attributes: [{ key: 'why', value: 'batch' }],
      },
    ]);
    expect(attrs(rows.get(sdkSpans.find((s) => s.name === 'GET /stock')!.spanContext().spanId)!)).toMatchObject({
      'http.route': '/stock',
      tags: '["a","b"]',
    });
  });

  it('keeps the record that is not a stream record under errors/, by the day it arrived', () => {
    const today = new Date().toISOString().slice(0, 10);
    expect(errorFiles).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^processing-failed/dt=${today}/shardId-\\d+-\\d+-\\d+\\.jsonl$`)),
      ]),
    );
  });

  it("is read by `hoptrace --archive` as it reads the command's own table", async () => {
    const trace = (await hoptraceJson('trace', hoptraceRoot.traceId, '--archive', dir)) as Record<string, unknown>;
    const names = JSON.stringify(trace);
    expect(names).toContain('charge card');
    expect(names).toContain(hoptraceRoot.invocation);
  });

  it('answers trace-by-id from the Parquet files', async () => {
    const table = await openSpanTable(dir);
    try {
      const spans = await table.query('trace-by-id', [hoptraceRoot.traceId, hoptraceRoot.day, hoptraceRoot.day]);
      expect(spans.map((s) => s.span_name)).toEqual(expect.arrayContaining(['charge card', 'init']));
      expect(new Set(spans.map((s) => s.span_id)).size).toBe(spans.length);
    } finally {
      table.close();
    }
  });
});
