import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { trace as otelTrace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStream, readStream, spansFromRecords, startKinesalite, type LocalKinesis } from '../../local/kinesis';
import { withTracing } from '../../src/index';
import { bundleHandler } from '../../local/bundle';
import { startFaultProxy, type FaultProxy } from '../helpers/kinesis-fault-proxy';
import { lambdaContext } from '../helpers/lambda';
import { exportRequest, otlpSpan } from '../helpers/otlp-payload';
import { startOffline, type Offline } from '../../local/serverless-offline';

const FIXTURE = fileURLToPath(new URL('../fixtures/ingest/', import.meta.url));
const STREAM = 'spans';
const API_KEY = 'test-key-0123456789abcdef';

let kinesis: LocalKinesis;
let proxy: FaultProxy;
let offline: Offline;

beforeAll(async () => {
  kinesis = await startKinesalite();
  await createStream(kinesis.client, STREAM);
  // Every other PutRecords call fails each third entry: the ingest must resend them.
  proxy = await startFaultProxy(kinesis.endpoint, { failEntry: (call, i) => call % 2 === 0 && i % 3 === 0 });
  await bundleHandler(fileURLToPath(new URL('../../handlers/ingest/handler.ts', import.meta.url)), `${FIXTURE}.build/handler.cjs`);
  offline = await startOffline(FIXTURE, {
    INGEST_STREAM: STREAM,
    INGEST_API_KEY: API_KEY,
    INGEST_KINESIS_ENDPOINT: kinesis.endpoint,
    INGEST_FAULTY_ENDPOINT: proxy.url,
  });
});

afterAll(async () => {
  await offline?.stop();
  await proxy?.close();
  await kinesis?.close();
});

const url = (path = '/v1/traces'): string => `${offline.httpUrl}${path}`;
const streamSpans = async () => spansFromRecords(await readStream(kinesis.client, STREAM));

function post(body: string | Buffer, headers: Record<string, string> = {}, path?: string): Promise<Response> {
  return fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, ...headers }, body });
}

describe('the ingest behind serverless-offline, into kinesalite', () => {
  it("lands hoptrace's export in the stream as the same spans, one trace per record", async () => {
    const handler = withTracing(
      async () => {
        const tracer = otelTrace.getTracer('orders');
        await tracer.startActiveSpan('charge card', async (span) => {
          span.setAttribute('order.id', 'o-42');
          span.setAttribute('db.password', 'hunter2');
          span.end();
        });
        return { statusCode: 200 };
      },
      { endpoint: url(), headers: { 'x-api-key': API_KEY }, serviceName: 'checkout' },
    );
    await handler({}, lambdaContext({ awsRequestId: 'ingest-e2e-1' }));

    const records = await readStream(kinesis.client, STREAM);
    const spans = await spansFromRecords(records);
    const root = spans.find((s) => s.attributes['faas.invocation_id'] === 'ingest-e2e-1')!;
    expect(root).toBeDefined();
    expect(root.service).toBe('checkout');
    const child = spans.find((s) => s.name === 'charge card' && s.traceId === root.traceId)!;
    expect(child.parentSpanId).toBe(root.spanId);
    expect(child.attributes['order.id']).toBe('o-42');
    expect(child.attributes['db.password']).toBe('[REDACTED]');
    const record = records.find((r) => r.partitionKey === root.traceId)!;
    expect([...record.data.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
  });

  it("lands the OpenTelemetry JS OTLP/HTTP exporter's spans, span for span", async () => {
    const exporter = new OTLPTraceExporter({ url: url(), headers: { 'x-api-key': API_KEY } });
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer: Tracer = provider.getTracer('otel-sdk');
    const sent: Array<{ traceId: string; spanId: string; name: string }> = [];
    for (let i = 0; i < 5; i++) {
      const span = tracer.startSpan(`sdk span ${i}`, { attributes: { i } });
      span.end();
      sent.push({ ...span.spanContext(), name: `sdk span ${i}` });
    }
    await provider.forceFlush();
    await provider.shutdown();
    const landed = await streamSpans();
    for (const s of sent) {
      const found = landed.find((l) => l.spanId === s.spanId)!;
      expect(found).toBeDefined();
      expect(found.traceId).toBe(s.traceId);
      expect(found.name).toBe(s.name);
    }
  });

  it('answers each bad request with its status and a message, and writes nothing', async () => {
    const before = (await readStream(kinesis.client, STREAM)).length;
    const good = JSON.stringify(exportRequest([otlpSpan()]));
    const cases: Array<[number, Promise<Response>]> = [
      [401, post(good, { 'x-api-key': '' })],
      [401, post(good, { 'x-api-key': 'wrong' })],
      [401, post(good, { 'x-api-key': API_KEY.slice(0, -1) + 'g' })],
      [401, post(good, { 'x-api-key': 'x'.repeat(8000) })],
      [405, fetch(url(), { method: 'PUT', headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' }, body: good })],
      [415, post(good, { 'content-type': 'text/plain' })],
      [415, post(gzipSync(good), { 'content-encoding': 'gzip' })],
      [413, post('{"resourceSpans":[],"pad":"' + 'x'.repeat(5.5 * 1024 * 1024) + '"}')],
      [400, post('{"resourceSpans": [')],
      [400, post('{"hello": "world", "resourceSpans": 5}')],
    ];
    for (const [status, response] of cases) {
      const res = await response;
      const body = (await res.json()) as { message: string };
      expect({ status: res.status, message: typeof body.message }).toEqual({ status, message: 'string' });
      expect(body.message.length).toBeGreaterThan(5);
    }
    expect((await readStream(kinesis.client, STREAM)).length).toBe(before);
  });

  it('explains the gzip that serverless-offline mangles', async () => {
    const res = await post(gzipSync(JSON.stringify(exportRequest([otlpSpan()]))), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { message: string }).message).toContain('decoded as UTF-8 text');
  });

  it('rejects bad spans alone as a partial success and lands the good ones', async () => {
    const good = otlpSpan({ name: 'partial-good' });
    const res = await post(JSON.stringify(exportRequest([good, otlpSpan({ spanId: 'short' }), otlpSpan({ startTimeUnixNano: '9', endTimeUnixNano: '1' })])));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe('2');
    expect(body.partialSuccess.errorMessage).toContain('spanId must be 16 hex digits');
    expect((await streamSpans()).some((s) => s.spanId === good.spanId)).toBe(true);
  });

  it('lands every span when the stream fails a share of the entries of each PutRecords call', async () => {
    const traces = Array.from({ length: 40 }, () => otlpSpan().traceId as string);
    const spans = traces.flatMap((traceId) => [otlpSpan({ traceId }), otlpSpan({ traceId })]);
    const res = await post(JSON.stringify(exportRequest(spans, 'faulty')), {}, '/faulty/v1/traces');
    expect(res.status).toBe(200);
    expect(proxy.stats.failedEntries).toBeGreaterThan(0);
    const landed = new Set((await streamSpans()).map((s) => s.spanId));
    const lost = spans.filter((s) => !landed.has(s.spanId as string));
    expect(lost).toHaveLength(0);
  });

  it('answers 503 with Retry-After when the stream does not exist', async () => {
    const res = await post(JSON.stringify(exportRequest([otlpSpan()])), {}, '/missing/v1/traces');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(((await res.json()) as { message: string }).message).toContain('ResourceNotFoundException');
  });
});
