import { gunzipSync, gzipSync } from 'node:zlib';
import { context, propagation, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { parseTenantKeys } from '../../handlers/ingest/auth';
import { readIngestConfig } from '../../handlers/ingest/config';
import { ingest } from '../../handlers/ingest/ingest';
import { deadlineIn } from '../../testing/ingest-deadline';
import type { PutRecords } from '../../handlers/ingest/kinesis-writer';
import { TenantKeyCache } from '../../handlers/ingest/tenant-keys';
import { withTracing } from '../../src/index';
import { httpApiEvent, lambdaContext } from '../helpers/lambda';
import { attr } from '../../testing/otlp-receiver';
import { exportRequest, otlpSpan } from '../helpers/otlp-payload';
import { useReceiver } from '../helpers/test-bed';

const receiver = useReceiver();
const config = readIngestConfig({ HOPTRACE_STREAM_NAME: 'spans', HOPTRACE_INGEST_KEYS_PARAMETER: '/hoptrace/keys' });
const keys = new TenantKeyCache(async () => parseTenantKeys('{"team": ["the-real-key-0123456789"]}', 'test'), config);

function capture(): { put: PutRecords; written: number; stored: Buffer[] } {
  const state = {
    written: 0,
    stored: [] as Buffer[],
    put: (async ({ Records }) => {
      state.written += Records.length;
      state.stored.push(...Records.map((r) => Buffer.from(r.Data)));
      return { FailedRecordCount: 0, Records: Records.map(() => ({})) };
    }) as PutRecords,
  };
  return state;
}

function event(body: string | Buffer, headers: Record<string, string> = {}, base64 = typeof body !== 'string') {
  return {
    requestContext: { http: { method: 'POST' } },
    headers: { 'content-type': 'application/json', 'x-api-key': 'the-real-key-0123456789', ...headers },
    body: base64 ? (body as Buffer).toString('base64') : (body as string),
    isBase64Encoded: base64,
  };
}

function varint(n: number): Buffer {
  const out: number[] = [];
  for (; n > 0x7f; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return Buffer.from(out);
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
    const response = await ingest(event(good, headers), config, kinesis.put, deadlineIn(1000), keys);
    expect(response.statusCode).toBe(401);
    expect(kinesis.written).toBe(0);
  });

  it('413 for a gzip bomb and for a 10 MB attribute value', async () => {
    const kinesis = capture();
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024, 0x20));
    expect(
      (await ingest(event(bomb, { 'content-encoding': 'gzip' }), config, kinesis.put, deadlineIn(1000), keys))
        .statusCode,
    ).toBe(413);
    const huge = JSON.stringify(
      exportRequest([
        otlpSpan({ attributes: [{ key: 'blob', value: { stringValue: 'x'.repeat(10 * 1024 * 1024) } }] }),
      ]),
    );
    expect((await ingest(event(huge), config, kinesis.put, deadlineIn(1000), keys)).statusCode).toBe(413);
    expect(kinesis.written).toBe(0);
  });

  it('drops an attribute value nested 100,000 deep (past the depth limit) whole, in JSON and in protobuf, and keeps the span', async () => {
    const levels = 100_000;
    const json = `{"resourceSpans":[{"scopeSpans":[{"spans":[${JSON.stringify(
      otlpSpan({ attributes: [{ key: 'deep', value: { stringValue: 'PLACEHOLDER' } }] }),
    ).replace(
      '{"stringValue":"PLACEHOLDER"}',
      `${'{"arrayValue":{"values":['.repeat(levels)}{"stringValue":"bottom"}${']}}'.repeat(levels)}`,
    )}]}]}]}`;
    // The same in protobuf: each level an AnyValue (field 5) holding an ArrayValue (field 1)
    // holding the next. Nesting only adds prefixes, so they are made inside out, then joined.
    const bottom = Buffer.from([0x0a, 0x06, ...Buffer.from('bottom')]);
    const prefixes: Buffer[] = [];
    let length = bottom.length;
    for (let i = 0; i < levels; i++) {
      for (const tag of [0x0a, 0x2a]) {
        const prefix = Buffer.concat([Buffer.from([tag]), varint(length)]);
        prefixes.push(prefix);
        length += prefix.length;
      }
    }
    const value = Buffer.concat([...prefixes.reverse(), bottom]);
    // The request around it by hand (the encoder takes OTLP JSON, not raw bytes): resource spans,
    // scope spans, a span with ids, name, times and the one attribute.
    const field = (tag: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), varint(body.length), body]);
    const fixed64 = (tag: number, nanos: bigint): Buffer => {
      const out = Buffer.alloc(9, tag);
      out.writeBigUInt64LE(nanos, 1);
      return out;
    };
    const span = Buffer.concat([
      field(0x0a, Buffer.from('ab'.repeat(16), 'hex')),
      field(0x12, Buffer.from('cd'.repeat(8), 'hex')),
      field(0x2a, Buffer.from('op')),
      fixed64(0x39, 1_700_000_000_000_000_000n),
      fixed64(0x41, 1_700_000_000_100_000_000n),
      field(0x4a, Buffer.concat([field(0x0a, Buffer.from('deep')), field(0x12, value)])),
    ]);
    const protobuf = field(0x0a, field(0x12, field(0x12, span)));
    for (const body of [event(json), event(protobuf, { 'content-type': 'application/x-protobuf' })]) {
      const kinesis = capture();
      const response = await ingest(body, config, kinesis.put, deadlineIn(5000), keys);
      expect(response.statusCode).toBe(200);
      expect(kinesis.written).toBe(1);
      const stored = gunzipSync(kinesis.stored[0]!).toString();
      expect(stored).not.toContain('bottom');
      expect(stored).not.toContain('arrayValue');
      expect(stored).toContain('"droppedAttributesCount":1');
    }
  });

  it('redacts secrets a third-party exporter sent, before the stream', async () => {
    let stored = '';
    const put: PutRecords = async ({ Records }) => {
      stored = Records.map((r) => Buffer.from(r.Data).toString('base64')).join();
      return { FailedRecordCount: 0, Records: Records.map(() => ({})) };
    };
    const body = JSON.stringify(
      exportRequest([
        otlpSpan({ attributes: [{ key: 'http.request.header.cookie', value: { stringValue: 'session=s3cr3t' } }] }),
      ]),
    );
    expect((await ingest(event(body), config, put, deadlineIn(1000), keys)).statusCode).toBe(200);
    const text = stored
      .split(',')
      .map((b) => gunzipSync(Buffer.from(b, 'base64')).toString())
      .join();
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
    const root = receiver()
      .spans()
      .find((s) => attr(s, 'faas.invocation_id') !== undefined)!;
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
    const root = receiver()
      .spans()
      .find((s) => attr(s, 'faas.invocation_id') !== undefined)!;
    expect(attr(root, '__proto__')).toBe('x');
    expect(attr(root, 'constructor')).toBe('y');
  });
});
