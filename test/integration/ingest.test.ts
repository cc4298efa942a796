import { gunzipSync, gzipSync } from 'node:zlib';
import { trace as otelTrace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStream, spansFromRecords, type StoredRecord } from '../../testing/kinesis';
import { withTracing } from '../../src/index';
import type { OtlpExportRequest } from '../../src/otlp/types';
import { attributeMap } from '../../src/otlp/values';
import { startIngestBed, TENANT_KEYS, type IngestBed } from '../helpers/ingest-bed';
import { lambdaContext } from '../helpers/lambda';
import { toProtobuf } from '../../testing/otlp-protobuf';
import { exportRequest, otlpSpan } from '../helpers/otlp-payload';

const STREAM = 'spans';
const API_KEY = TENANT_KEYS.tests;
let bed: IngestBed;

beforeAll(async () => {
  // Every other PutRecords call through the fault proxy (`patient`) fails each third entry:
  // the ingest must resend them.
  bed = await startIngestBed(STREAM, { failEntry: (call, i) => call % 2 === 0 && i % 3 === 0 });
  // The answer deadline runs from the front door's receipt, so a cold start (a second or
  // more on this machine: the bundle, the keys) may spend it and answer 503; this file is
  // about warm sandboxes, so each function answers once first (front-door.test.ts and the
  // answer-deadline unit test cover the cold start).
  const warm = (route: Parameters<IngestBed['base']>[0]) =>
    fetch(`${bed.base(route)}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: '{"resourceSpans":[]}',
    });
  for (const route of ['ingest', 'patient', 'missing', 'blackhole'] as const) await warm(route);
  // `spent`'s answer window has always passed, so its first request answers 503 if the keys
  // are still being read; it is warm once a request gets through (a few tries at most).
  for (let tries = 0; tries < 10 && (await warm('spent')).status !== 200; tries++)
    await new Promise((resolve) => setTimeout(resolve, 200));
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

const url = (route: Parameters<IngestBed['base']>[0] = 'ingest'): string => `${bed.base(route)}/v1/traces`;
const records = (): Promise<StoredRecord[]> => readStream(bed.kinesis.client, STREAM);
const streamSpans = async () => spansFromRecords(await records());

/** The tenant stamped on the resource of each span in the stream, by span id. */
async function tenants(): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const record of await records()) {
    for (const rs of (JSON.parse(gunzipSync(record.data).toString()) as OtlpExportRequest).resourceSpans) {
      const tenant = attributeMap(rs.resource?.attributes)['hoptrace.tenant'];
      for (const ss of rs.scopeSpans) for (const s of ss.spans) out.set(s.spanId, tenant);
    }
  }
  return out;
}

function post(
  body: string | Buffer,
  headers: Record<string, string> = {},
  route: Parameters<IngestBed['base']>[0] = 'ingest',
): Promise<Response> {
  return fetch(url(route), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, ...headers },
    body,
  });
}

/** Finished spans of a provider whose resource, spans and events claim another tenant. */
function makeSpans(count: number, label: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `sender-${label}`, 'hoptrace.tenant': 'other-team' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('senders');
  for (let i = 0; i < count; i++) {
    tracer.startActiveSpan(
      `${label} ${i}`,
      { attributes: { i, big: 2 ** 60, ratio: 0.5, flag: true, list: ['a', 'b'], 'hoptrace.tenant': 'other-team' } },
      (parent) => {
        parent.addEvent('claim', { 'hoptrace.tenant': 'other-team', kept: 'yes' });
        tracer.startSpan(`${label} ${i} child`).end();
        parent.end();
      },
    );
  }
  return memory.getFinishedSpans() as ReadableSpan[];
}

const exportWith = (exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> =>
  new Promise((resolve) => exporter.export(spans, resolve));

describe('the ingest behind its REST API, run by serverless-offline, into kinesalite', () => {
  it.each([
    ['OTLP/HTTP JSON', () => new JsonExporter({ url: url(), headers: { 'x-api-key': API_KEY } })],
    [
      'OTLP/HTTP JSON + gzip',
      () => new JsonExporter({ url: url(), headers: { 'x-api-key': API_KEY }, compression: 'gzip' as never }),
    ],
    ['OTLP/HTTP protobuf', () => new ProtobufExporter({ url: url(), headers: { 'x-api-key': API_KEY } })],
    [
      'OTLP/HTTP protobuf + gzip',
      () => new ProtobufExporter({ url: url(), headers: { 'x-api-key': API_KEY }, compression: 'gzip' as never }),
    ],
  ])(
    'lands every span the OpenTelemetry JS %s exporter sends, as its tenant, and the exporter sees success',
    async (label, make) => {
      const exporter = make();
      const sent = makeSpans(15, label);
      const result = await exportWith(exporter, sent);
      await exporter.shutdown();
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      const landed = new Map((await streamSpans()).map((s) => [s.spanId, s]));
      const stamped = await tenants();
      const lost = sent.filter((s) => !landed.has(s.spanContext().spanId));
      // Read as written, not through the stream-record reader (which removes such claims too):
      // below the resource, no attribute list names a tenant.
      const below = (await records()).flatMap((r) =>
        (JSON.parse(gunzipSync(r.data).toString()) as OtlpExportRequest).resourceSpans.flatMap((rs) => rs.scopeSpans),
      );
      const lists = below.flatMap((ss) => [
        ss.scope?.attributes ?? [],
        ...ss.spans.flatMap((span) => [span.attributes, ...span.events.map((e) => e.attributes)]),
      ]);
      expect(lists.flat().filter((kv) => kv.key === 'hoptrace.tenant')).toEqual([]);
      expect(lists.flat().some((kv) => kv.key === 'kept')).toBe(true);
      expect(lost.map((s) => s.name)).toEqual([]);
      for (const s of sent) {
        const found = landed.get(s.spanContext().spanId)!;
        expect({
          traceId: found.traceId,
          name: found.name,
          service: found.service,
          parent: found.parentSpanId,
        }).toEqual({
          traceId: s.spanContext().traceId,
          name: s.name,
          service: `sender-${label}`,
          parent: s.parentSpanContext?.spanId,
        });
        if (!s.name.endsWith('child'))
          expect(found.attributes).toMatchObject({
            big: '1152921504606846976',
            ratio: 0.5,
            flag: true,
            list: ['a', 'b'],
          });
        // The key is the tests tenant's: the resource's claim to be another team is overwritten,
        // and the spans' and events' claims are gone.
        expect(stamped.get(s.spanContext().spanId)).toBe('tests');
        expect(found.attributes).not.toHaveProperty(['hoptrace.tenant']);
      }
    },
  );

  it("lands hoptrace's export in the stream as the same spans, one trace per record, redacted", async () => {
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
      {
        endpoint: url(),
        headers: { 'x-api-key': TENANT_KEYS['other-team'] },
        serviceName: 'checkout',
        compression: 'gzip',
      },
    );
    await handler({}, lambdaContext({ awsRequestId: 'ingest-e2e-1' }));
    const spans = await streamSpans();
    const root = spans.find((s) => s.attributes['faas.invocation_id'] === 'ingest-e2e-1')!;
    expect(root.service).toBe('checkout');
    const child = spans.find((s) => s.name === 'charge card' && s.traceId === root.traceId)!;
    expect(child.parentSpanId).toBe(root.spanId);
    expect(child.attributes['order.id']).toBe('o-42');
    expect(child.attributes['db.password']).toBe('[REDACTED]');
    expect((await tenants()).get(root.spanId)).toBe('other-team');
    const record = (await records()).find((r) => r.partitionKey === root.traceId)!;
    expect([...record.data.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
  });

  it('answers each bad request with its status and a google.rpc.Status in the request encoding, and writes nothing', async () => {
    const before = (await records()).length;
    const good = JSON.stringify(exportRequest([otlpSpan()]));
    const protobuf = { 'content-type': 'application/x-protobuf' };
    const cases: Array<[number, string, () => Promise<Response>]> = [
      [401, 'application/json', () => post(good, { 'x-api-key': '' })],
      [401, 'application/json', () => post(good, { 'x-api-key': `${API_KEY.slice(0, -1)}g` })],
      [
        401,
        'application/x-protobuf',
        () => post(toProtobuf(exportRequest([otlpSpan()])), { ...protobuf, 'x-api-key': 'x'.repeat(8000) }),
      ],
      [404, 'application/json', () => fetch(url(), { method: 'PUT', headers: { 'x-api-key': API_KEY }, body: good })],
      [415, 'application/json', () => post(good, { 'content-type': 'text/plain' })],
      [
        413,
        'application/json',
        () =>
          post(gzipSync(`{"resourceSpans":[],"pad":"${'x'.repeat(5.5 * 1024 * 1024)}"}`), {
            'content-encoding': 'gzip',
          }),
      ],
      [
        413,
        'application/x-protobuf',
        () => post(gzipSync(Buffer.alloc(20 * 1024 * 1024)), { ...protobuf, 'content-encoding': 'gzip' }),
      ],
      [400, 'application/json', () => post('{"resourceSpans": [')],
      [400, 'application/json', () => post('{"hello": "world", "resourceSpans": 5}')],
      [400, 'application/x-protobuf', () => post(Buffer.from([0x0a, 0x7f, 0x01]), protobuf)],
      [
        400,
        'application/x-protobuf',
        () => post(gzipSync(Buffer.from(good)), { ...protobuf, 'content-encoding': 'gzip' }),
      ],
    ];
    for (const [status, type, send] of cases) {
      const res = await send();
      expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({ status, type });
      const bytes = Buffer.from(await res.arrayBuffer());
      // A google.rpc.Status: code (field 1) then message (field 2), or its JSON form.
      const message =
        type === 'application/json'
          ? String((JSON.parse(bytes.toString()) as { message: string }).message)
          : bytes.subarray(bytes.indexOf(0x12) + 2).toString();
      expect(message.length).toBeGreaterThan(5);
    }
    expect((await records()).length).toBe(before);
  });

  it("shows why the front door matters: serverless-offline's own HTTP route loses a gzip body's bytes", async () => {
    const res = await fetch(`${bed.offline.httpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-api-key': API_KEY },
      body: gzipSync(JSON.stringify(exportRequest([otlpSpan()]))),
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { message: string }).message).toContain('decoded as UTF-8 text');
  });

  it('rejects bad spans alone as a partial success, in protobuf too, and lands the good ones', async () => {
    const good = otlpSpan({ name: 'partial-good' });
    const request = exportRequest([
      good,
      otlpSpan({ spanId: 'short' }),
      otlpSpan({ startTimeUnixNano: '9', endTimeUnixNano: '1' }),
    ]);
    const res = await post(JSON.stringify(request));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe('2');
    expect(body.partialSuccess.errorMessage).toContain('spanId must be 16 hex digits');
    const binary = await post(toProtobuf(request), { 'content-type': 'application/x-protobuf' });
    expect(binary.headers.get('content-type')).toBe('application/x-protobuf');
    const answer = Buffer.from(await binary.arrayBuffer());
    // ExportTraceServiceResponse { partial_success (1) { rejected_spans (1) = 2, error_message (2) } }
    expect(answer[0]).toBe(0x0a);
    expect(answer.indexOf(Buffer.from([0x08, 0x02]))).toBeGreaterThan(0);
    expect(answer.toString()).toContain('endTimeUnixNano is before startTimeUnixNano');
    expect((await streamSpans()).some((s) => s.spanId === good.spanId)).toBe(true);
  });

  it('lands every span when the stream fails a share of the entries of each PutRecords call', async () => {
    const traces = Array.from({ length: 40 }, () => otlpSpan().traceId as string);
    const spans = traces.flatMap((traceId) => [otlpSpan({ traceId }), otlpSpan({ traceId })]);
    const res = await post(
      toProtobuf(exportRequest(spans, 'faulty')),
      { 'content-type': 'application/x-protobuf' },
      'patient',
    );
    expect(res.status).toBe(200);
    expect(bed.proxy.stats.failedEntries).toBeGreaterThan(0);
    const landed = new Set((await streamSpans()).map((s) => s.spanId));
    expect(spans.filter((s) => !landed.has(s.spanId as string))).toHaveLength(0);
  });

  it('lands a large request whose decoding outlasts the answer window: the window bounds waiting, not decoding', async () => {
    // An 8,192-span batch, as the Collector sends by default, in 256 traces: it fits every
    // limit. `spent`'s answer window (1 ms from the front door's receipt) is over before the
    // body is even decoded; the stream write gets its own window after the decoding.
    const traces = Array.from({ length: 256 }, () => otlpSpan().traceId as string);
    const spans = traces.flatMap((traceId) =>
      Array.from({ length: 32 }, (_, i) =>
        otlpSpan({ traceId, name: `large ${i}`, attributes: [{ key: 'i', value: { intValue: String(i) } }] }),
      ),
    );
    const res = await post(
      gzipSync(toProtobuf(exportRequest(spans, 'large'))),
      { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
      'spent',
    );
    expect(res.status).toBe(200);
    const landed = new Set((await streamSpans()).map((s) => s.spanId));
    expect(spans.filter((s) => !landed.has(s.spanId as string))).toHaveLength(0);
  });

  it('answers 503 with Retry-After when the stream does not exist', async () => {
    const res = await post(JSON.stringify(exportRequest([otlpSpan()])), {}, 'missing');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(((await res.json()) as { message: string }).message).toContain('ResourceNotFoundException');
  });

  it('answers 503 with Retry-After, not a timeout, when Kinesis accepts connections and never answers', async () => {
    const res = await post(
      toProtobuf(exportRequest([otlpSpan()])),
      { 'content-type': 'application/x-protobuf' },
      'blackhole',
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(Buffer.from(await res.arrayBuffer()).toString()).toContain('did not answer before the deadline');
  });

  it('read the keys from SSM per sandbox, not once per request', () => {
    const reads = bed.ssm.reads.get('/hoptrace/test/ingest-keys') ?? 0;
    expect(reads).toBeGreaterThan(0);
    // Four functions, each a sandbox or a few; this file sent some 30 requests, in less time
    // than the keys are kept.
    expect(reads).toBeLessThanOrEqual(8);
  });
});
