import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../handlers/ingest/http-error';
import { decodeRequest, type HttpEvent } from '../../../handlers/ingest/request';

const MAX = 64 * 1024;
const json = '{"resourceSpans":[]}';
const event = (overrides: Partial<HttpEvent> = {}, headers: Record<string, string> = {}): HttpEvent => ({
  requestContext: { http: { method: 'POST', path: '/v1/traces' } },
  headers: { 'Content-Type': 'application/json', ...headers },
  body: json,
  isBase64Encoded: false,
  ...overrides,
});

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
}

describe('decodeRequest', () => {
  it('accepts plain JSON, with a charset, and base64 bodies', () => {
    expect(decodeRequest(event(), MAX).json).toBe(json);
    expect(decodeRequest(event({}, { 'content-type': 'application/json; charset=utf-8' }), MAX).json).toBe(json);
    expect(decodeRequest(event({ body: Buffer.from(json).toString('base64'), isBase64Encoded: true }), MAX).json).toBe(json);
  });

  it('inflates a base64 gzip body', () => {
    const body = gzipSync(json).toString('base64');
    expect(decodeRequest(event({ body, isBase64Encoded: true }, { 'content-encoding': 'gzip' }), MAX).json).toBe(json);
  });

  it('accepts JSON a gateway already inflated, though the header still says gzip', () => {
    expect(decodeRequest(event({}, { 'content-encoding': 'gzip' }), MAX).json).toBe(json);
  });

  it('refuses with 415 a gzip body that was decoded as UTF-8 text, naming the cause', () => {
    const mangled = gzipSync(json).toString('utf8');
    const error = (() => {
      try {
        decodeRequest(event({ body: mangled }, { 'content-encoding': 'gzip' }), MAX);
      } catch (e) {
        return e as HttpError;
      }
      return undefined;
    })();
    expect(error?.status).toBe(415);
    expect(error?.message).toContain('decoded as UTF-8 text');
  });

  it.each([
    [405, event({ requestContext: { http: { method: 'GET' } } })],
    [415, event({}, { 'content-type': 'application/x-protobuf' })],
    [415, event({}, { 'content-type': 'text/plain' })],
    [415, event({ headers: {} })],
    [415, event({}, { 'content-encoding': 'br' })],
    [413, event({ body: 'x'.repeat(MAX + 1) })],
    [413, event({ body: Buffer.alloc(MAX + 10).toString('base64'), isBase64Encoded: true })],
    [400, event({ body: Buffer.from([0x1f, 0x8b, 1, 2, 3]).toString('base64'), isBase64Encoded: true }, { 'content-encoding': 'gzip' })],
    [400, event({ body: 'garbage' }, { 'content-encoding': 'gzip' })],
  ])('answers %d', (status, input) => {
    expect(statusOf(() => decodeRequest(input, MAX))).toBe(status);
  });

  it('stops a gzip bomb at the limit with 413', () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)).toString('base64');
    expect(bomb.length).toBeLessThan(MAX * 2);
    expect(statusOf(() => decodeRequest(event({ body: bomb, isBase64Encoded: true }, { 'content-encoding': 'gzip' }), 1024 * 1024))).toBe(413);
  });
});
