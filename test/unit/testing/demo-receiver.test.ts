import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoReceiver, type DemoReceiver } from '../../../testing/demo-receiver';

// npm start's demo OTLP receiver: every body it cannot read gets a 4xx with an OTLP Status,
// is logged, and the receiver goes on serving.

let receiver: DemoReceiver;
const logged: string[] = [];

beforeAll(async () => {
  receiver = await startDemoReceiver((line) => logged.push(line));
});
afterAll(() => receiver?.close());

const post = (headers: Record<string, string>, body: string | Uint8Array, url = receiver.url) =>
  fetch(url, { method: 'POST', headers, body });
const request = { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'a' }, { name: 'b' }] }] }] };

describe('the demo OTLP receiver', () => {
  it.each([
    [
      'protobuf',
      { 'content-type': 'application/x-protobuf' },
      new Uint8Array([0x0a, 0x00]),
      415,
      /reads OTLP\/HTTP JSON/,
    ],
    ['JSON that is not JSON', { 'content-type': 'application/json' }, '{"resourceSpans":', 400, /not JSON/],
    ['gzip that is not gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, '{}', 400, /gzip/],
    [
      'an encoding it does not read',
      { 'content-type': 'application/json', 'content-encoding': 'br' },
      '{}',
      415,
      /content-encoding "br"/,
    ],
    [
      'JSON of another shape',
      { 'content-type': 'application/json' },
      '{"resourceSpans":[{"scopeSpans":3}]}',
      400,
      /scopeSpans/,
    ],
  ])('answers %s with an OTLP error and keeps serving', async (_label, headers, body, status, reason) => {
    const res = await post(headers, body);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ code: 3, message: expect.stringMatching(reason) });
    expect(logged.at(-1)).toMatch(reason);
    const ok = await post({ 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(request));
    expect(ok.status).toBe(200);
  });

  it('counts the spans of what it accepts, gzipped or not', async () => {
    const before = receiver.spans();
    expect(
      (
        await post(
          { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          gzipSync(JSON.stringify(request)),
        )
      ).status,
    ).toBe(200);
    expect((await post({ 'content-type': 'application/json' }, JSON.stringify(request))).status).toBe(200);
    expect(receiver.spans() - before).toBe(4);
  });

  it('serves only POST /v1/traces', async () => {
    expect(
      (await post({ 'content-type': 'application/json' }, '{}', receiver.url.replace('/v1/traces', '/v1/logs'))).status,
    ).toBe(404);
  });
});
