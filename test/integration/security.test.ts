import { gzipSync } from 'node:zlib';
import { context, propagation, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { readIngestConfig } from '../../handlers/ingest/config';
import { ingest } from '../../handlers/ingest/ingest';
import type { PutRecords } from '../../handlers/ingest/kinesis-writer';
import { withTracing } from '../../src/index';
import { httpApiEvent, lambdaContext } from '../helpers/lambda';
import { attr } from '../helpers/otlp-receiver';
import { exportRequest, otlpSpan } from '../helpers/otlp-payload';
import { useReceiver } from '../helpers/test-bed';

const receiver = useReceiver();
const config = readIngestConfig({ HOPTRACE_STREAM_NAME: 'spans', HOPTRACE_INGEST_API_KEYS: 'the-real-key-0123456789' });

function capture(): { put: PutRecords; written: number } {
  const state = { written: 0, put: (async ({ Records }) => {
    state.written += Records.length;
    return { FailedRecordCount: 0, Records: Records.map(() => ({})) };
  }) as PutRecords };
  return state;
}

function event(body: string | Buffer, headers: Record<string, string> = {}, base64 = false) {
  return {
    requestContext: { http: { method: 'POST' } },
    headers: { 'content-type': 'application/json', 'x-api-key': 'the-real-key-0123456789', ...headers },
    body: base64 ? (body as Buffer).toString('base64') : (body as string),
    isBase64Encoded: base64,
  };
}

describe('the ingest refuses strangers and garbage, and stores nothing from them', () => {
  const good = JSON.stringify(exportRequest([otlpSpan()]));

  it.each([
    ['no key', { 'x-api-key': '' }],
    ['a wrong key', { 'x-api-key': 'guess' }],
    ['a key one character off', { 'x-api-key': 'the-real-key-0123456788' }],
    ['a key with a prefix of the real one', { 'x-api-key': 'the-real-key' }],
    ['a 1 MB key header', { 'x-api-key': 'k'.repeat(1024 * 1024) }],
    ['a 1 MB bearer token', { authorization: `Bearer ${'t'.repeat(1024 * 1024)}`, 'x-api-key': '' }],
  ])('401 for %s', async (_label, headers) => {
    const kinesis = capture();
    const response = await ingest(event(good, headers), config, kinesis.put, Date.now() + 1000);
    expect(response.statusCode).toBe(401);
    expect(kinesis.written).toBe(0);
  });

  it('413 for a gzip bomb, 400 for deeply nested JSON, 413 for a 10 MB attribute value', async () => {
    const kinesis = capture();
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024, 0x20));
    expect((await ingest(event(bomb, { 'content-encoding': 'gzip' }, true), config, kinesis.put, Date.now() + 1000)).statusCode).toBe(413);
    expect((await ingest(event('['.repeat(200_000) + ']'.repeat(200_000)), config, kinesis.put, Date.now() + 1000)).statusCode).toBe(400);
    const huge = JSON.stringify(exportRequest([otlpSpan({ attributes: [{ key: 'blob', value: { stringValue: 'x'.repeat(10 * 1024 * 1024) } }] })]));
    expect((await ingest(event(huge), config, kinesis.put, Date.now() + 1000)).statusCode).toBe(413);
    expect(kinesis.written).toBe(0);
  });

  it('redacts secrets a third-party exporter sent, before the stream', async () => {
    let stored = '';
    const put: PutRecords = async ({ Records }) => {
      stored = Records.map((r) => Buffer.from(r.Data).toString('base64')).join();
      return { FailedRecordCount: 0, Records: Records.map(() => ({})) };
    };
    const body = JSON.stringify(exportRequest([otlpSpan({ attributes: [{ key: 'http.request.header.cookie', value: { stringValue: 'session=s3cr3t' } }] })]));
    expect((await ingest(event(body), config, put, Date.now() + 1000)).statusCode).toBe(200);
    const { gunzipSync } = await import('node:zlib');
    const text = stored.split(',').map((b) => gunzipSync(Buffer.from(b, 'base64')).toString()).join();
    expect(text).not.toContain('s3cr3t');
    expect(text).toContain('[REDACTED]');
  });
});

describe('the library', () => {
  it('redacts secrets before they leave the function, and caps a 10 MB attribute value', async () => {
    const handler = withTracing(
      async () => {
        const span = trace.getActiveSpan()!;
        span.setAttribute('db.password', 'hunter2');
        span.setAttribute('payload', 'x'.repeat(10 * 1024 * 1024));
      },
      { endpoint: receiver().url },
    );
    await handler({}, lambdaContext());
    const raw = JSON.stringify(receiver().requests.map((r) => r.body));
    expect(raw).not.toContain('hunter2');
    const root = receiver().spans().find((s) => attr(s, 'faas.invocation_id') !== undefined)!;
    expect(attr(root, 'db.password')).toBe('[REDACTED]');
    expect(String(attr(root, 'payload')).length).toBe(8192);
    expect(receiver().requests[0]!.bytes).toBeLessThan(64 * 1024);
  });

  it('keeps prototype-polluting baggage and attribute keys as plain data', async () => {
    let seen: string | undefined;
    const handler = withTracing(
      async () => {
        seen = propagation.getBaggage(context.active())?.getEntry('__proto__')?.value;
        trace.getActiveSpan()!.setAttribute('__proto__', 'x');
        trace.getActiveSpan()!.setAttribute('constructor', 'y');
        return { statusCode: 200 };
      },
      { endpoint: receiver().url },
    );
    await handler(httpApiEvent({ baggage: '__proto__=polluted,constructor=bad' }), lambdaContext());
    expect(seen).toBe('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const root = receiver().spans().find((s) => attr(s, 'faas.invocation_id') !== undefined)!;
    expect(attr(root, '__proto__')).toBe('x');
    expect(attr(root, 'constructor')).toBe('y');
  });
});
