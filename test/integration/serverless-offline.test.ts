import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHandler } from '../../testing/bundle';
import { attr, OtlpReceiver } from '../../testing/otlp-receiver';
import { startOffline, type Offline } from '../../testing/serverless-offline';

const FIXTURE = fileURLToPath(new URL('../fixtures/offline/', import.meta.url));

let receiver: OtlpReceiver;
let offline: Offline;

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  await bundleHandler(`${FIXTURE}handler.ts`, `${FIXTURE}.build/handler.cjs`);
  offline = await startOffline(FIXTURE, { FIXTURE_OTLP_ENDPOINT: receiver.url });
});

afterAll(async () => {
  await offline?.stop();
  await receiver?.close();
});

describe('a wrapped handler in serverless-offline', () => {
  it('ships the spans of an invocation that overruns its timeout', async () => {
    const response = fetch(`${offline.httpUrl}/slow`).catch(() => undefined);
    await expect
      .poll(() => receiver.spans().filter((s) => s.name === 'stuck call').length, { timeout: 10_000, interval: 100 })
      .toBe(1);
    const stuck = receiver.spans().find((s) => s.name === 'stuck call')!;
    const root = receiver.spans().find((s) => s.spanId === stuck.parentSpanId)!;
    for (const span of [stuck, root]) {
      expect(span.status.code).toBe(2);
      expect(attr(span, 'error.type')).toBe('timeout');
    }
    await response;
    receiver.reset();
  });

  it('exports a root and child span per invocation, and only the first is a cold start', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${offline.httpUrl}/hello`, {
        headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ path: '/hello' });
    }
    // The flush happened before each invocation returned: nothing to wait for.
    const spans = receiver.spans();
    const roots = spans.filter((s) => attr(s, 'faas.invocation_id') !== undefined);
    expect(roots).toHaveLength(2);
    expect(roots.map((r) => attr(r, 'faas.coldstart'))).toEqual([true, false]);
    for (const root of roots) {
      expect(root.name).toBe('GET /hello');
      expect(root.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(root.parentSpanId).toBe('b7ad6b7169203331');
      expect(attr(root, 'faas.trigger')).toBe('http');
      expect(attr(root, 'faas.name')).toBe('hoptrace-fixture-dev-hello');
      expect(attr(root, 'http.response.status_code')).toBe(200);
      const child = spans.find((s) => s.name === 'do work' && s.parentSpanId === root.spanId);
      expect(child).toBeDefined();
    }
    expect(spans.filter((s) => s.name === 'init')).toHaveLength(1);
    const resource = receiver.requests[0]!.body.resourceSpans[0]!.resource;
    expect(attr(resource, 'service.name')).toBe('fixture-api');
  });
});
