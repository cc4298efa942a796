import { execFile } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTracing } from '../../src/index';
import { hasRequestCreatedChannel } from '../../src/instrumentation/node-http';
import { lambdaContext } from '../helpers/lambda';
import { attr, type OtlpSpan } from '../../testing/otlp-receiver';
import { useReceiver } from '../helpers/test-bed';

const receiver = useReceiver();
let server: http.Server;
let base: string;
const seen: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(req.url?.startsWith('/missing') ? 404 : 200, { 'content-type': 'text/plain' });
    // Larger than undici buffers on its own: unread, its response never completes.
    res.end(req.url === '/large' ? 'x'.repeat(4 * 1024 * 1024) : 'hello');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function invoke(fn: () => Promise<unknown>): Promise<OtlpSpan[]> {
  seen.length = 0;
  await withTracing(fn, { endpoint: receiver().url })({}, lambdaContext());
  return receiver().spans();
}

const clientSpans = (spans: OtlpSpan[]): OtlpSpan[] => spans.filter((s) => s.kind === 3);

function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('outgoing HTTP', () => {
  it('traces fetch with a CLIENT span whose context the server receives', async () => {
    const spans = await invoke(async () => {
      const res = await fetch(`${base}/users/7?token=secret`);
      await res.text();
    });
    const [client] = clientSpans(spans);
    expect(client!.name).toBe('GET');
    expect(attr(client!, 'url.full')).toBe(`${base}/users/7`);
    expect(attr(client!, 'http.response.status_code')).toBe(200);
    expect(attr(client!, 'server.address')).toBe('127.0.0.1');
    expect(seen[0]!.traceparent).toBe(`00-${client!.traceId}-${client!.spanId}-01`);
    const root = spans.find((s) => attr(s, 'faas.invocation_id') !== undefined)!;
    expect(client!.parentSpanId).toBe(root.spanId);
  });

  it('traces node:http with a CLIENT span whose context the server receives', async () => {
    const spans = await invoke(async () => {
      await trace.getTracer('app').startActiveSpan('load user', async (span) => {
        expect(await get(`${base}/missing`)).toBe(404);
        span.end();
      });
    });
    const [client] = clientSpans(spans);
    const parent = spans.find((s) => s.name === 'load user')!;
    expect(client!.parentSpanId).toBe(parent.spanId);
    expect(attr(client!, 'http.response.status_code')).toBe(404);
    expect(client!.status.code).toBe(2);
    expect(seen[0]!.traceparent).toBe(`00-${client!.traceId}-${client!.spanId}-01`);
  });

  it('records a refused request as an error span, for node:http and fetch', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const spans = await invoke(async () => {
      await get(`http://127.0.0.1:${port}/`).catch(() => undefined);
      await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
    });
    const failed = clientSpans(spans);
    expect(failed).toHaveLength(2);
    for (const span of failed) {
      expect(span.status.code).toBe(2);
      expect(attr(span, 'error.type')).toBe('ECONNREFUSED');
    }
  });

  it('does not add headers to SigV4-signed requests, nor override a traceparent set by the caller', async () => {
    const signed =
      'AWS4-HMAC-SHA256 Credential=AKIA/20261121/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=abc';
    await invoke(async () => {
      await get(`${base}/signed`, { authorization: signed });
      await (await fetch(`${base}/signed`, { headers: { authorization: signed } })).text();
      await get(`${base}/own`, { traceparent: 'mine' });
    });
    expect(seen.map((h) => h.traceparent)).toEqual([undefined, undefined, 'mine']);
  });

  it('sends the span of a response whose body is never read, marked unfinished, with its status', async () => {
    const spans = await invoke(async () => {
      const res = await fetch(`${base}/large`);
      expect(res.status).toBe(200);
      await new Promise<void>((resolve) => http.get(`${base}/small`, () => resolve()));
    });
    const clients = clientSpans(spans);
    expect(clients.map((s) => attr(s, 'url.full'))).toEqual([`${base}/large`, `${base}/small`]);
    for (const span of clients) {
      expect(attr(span, 'http.response.status_code')).toBe(200);
      expect(attr(span, 'hoptrace.unfinished')).toBe(true);
    }
  });

  it('never traces its own exports', async () => {
    const spans = await invoke(async () => undefined);
    expect(clientSpans(spans)).toHaveLength(0);
    expect(receiver().requests.every((r) => r.headers.traceparent === undefined)).toBe(true);
  });

  it('leaves the caller in charge of the request: callbacks, errors and get() work as before', async () => {
    await invoke(async () => {
      const status = await new Promise<number>((resolve) => {
        const req = http.request(`${base}/manual`, { method: 'POST' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.end('body');
      });
      expect(status).toBe(200);
      expect(typeof https.get).toBe('function');
    });
    expect(seen[0]!.traceparent).toMatch(/^00-/);
  });

  it("traces an ES module's named import (`import { get } from 'node:http'`) on this Node, and never its own export", async () => {
    // A real ES module in a process of its own: inside vitest, imports are rewritten into property reads.
    const fixture = fileURLToPath(new URL('../fixtures/http/named-import.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, OTEL_LOG_LEVEL: 'none' },
    });
    const { traceId, received } = JSON.parse(stdout) as {
      traceId: string;
      received: Array<{ url: string; traceparent?: string }>;
    };
    expect(received[0]).toMatchObject({
      url: '/call',
      traceparent: expect.stringMatching(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`)) as unknown,
    });
    expect(received[1]).toEqual({ url: '/v1/traces' });
  });

  it('uses http.client.request.created from Node 22.12 and 23.2 on, and patches before', () => {
    expect(
      ['20.19.0', '22.11.0', '22.12.0', '23.1.0', '23.2.0', '24.0.0'].map((v) => hasRequestCreatedChannel(v)),
    ).toEqual([false, false, true, false, true, true]);
  });
});
