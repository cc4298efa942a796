import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../../handlers/ingest/http-error';
import {
  decodeRequest as decodeWith,
  lowerCaseHeaders,
  type HttpEvent,
  type OtlpBody,
} from '../../../../handlers/ingest/request';

const MAX = 64 * 1024;
const json = '{"resourceSpans":[]}';
const event = (overrides: Partial<HttpEvent> = {}, headers: Record<string, string> = {}): HttpEvent => ({
  requestContext: { http: { method: 'POST', path: '/v1/traces' } },
  headers: { 'Content-Type': 'application/json', ...headers },
  body: json,
  isBase64Encoded: false,
  ...overrides,
});

const decodeRequest = (input: HttpEvent, max: number): OtlpBody =>
  decodeWith(input, max, lowerCaseHeaders(input.headers));
const textOf = (body: OtlpBody): string =>
  body.format === 'json' ? body.text : `protobuf ${body.bytes.toString('hex')}`;

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
    expect(textOf(decodeRequest(event(), MAX))).toBe(json);
    expect(textOf(decodeRequest(event({}, { 'content-type': 'application/json; charset=utf-8' }), MAX))).toBe(json);
    expect(
      textOf(decodeRequest(event({ body: Buffer.from(json).toString('base64'), isBase64Encoded: true }), MAX)),
    ).toBe(json);
  });

  it('inflates a base64 gzip body', () => {
    const body = gzipSync(json).toString('base64');
    expect(textOf(decodeRequest(event({ body, isBase64Encoded: true }, { 'content-encoding': 'gzip' }), MAX))).toBe(
      json,
    );
  });

  it('takes protobuf bodies, plain or gzip, from a REST API event (payload 1.0)', () => {
    const bytes = Buffer.from([0x0a, 0x00, 0x1f, 0x8b]);
    const rest = (body: Buffer, headers: Record<string, string>): HttpEvent => ({
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf', ...headers },
      body: body.toString('base64'),
      isBase64Encoded: true,
    });
    expect(decodeRequest(rest(bytes, {}), MAX)).toEqual({ format: 'protobuf', bytes });
    expect(decodeRequest(rest(gzipSync(bytes), { 'Content-Encoding': 'gzip' }), MAX)).toEqual({
      format: 'protobuf',
      bytes,
    });
    // A REST API that inflated the body itself leaves the header: the bytes are used as they are.
    expect(decodeRequest(rest(bytes, { 'Content-Encoding': 'gzip' }), MAX)).toEqual({ format: 'protobuf', bytes });
    expect(statusOf(() => decodeRequest({ ...rest(bytes, {}), httpMethod: 'GET' }, MAX))).toBe(405);
  });

  it('accepts JSON a gateway already inflated, though the header still says gzip', () => {
    expect(textOf(decodeRequest(event({}, { 'content-encoding': 'gzip' }), MAX))).toBe(json);
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
    [415, event({}, { 'content-type': 'application/protobuf' })],
    [415, event({}, { 'content-type': 'text/plain' })],
    [415, event({ headers: {} })],
    [415, event({}, { 'content-encoding': 'br' })],
    [413, event({ body: 'x'.repeat(MAX + 1) })],
    [413, event({ body: Buffer.alloc(MAX + 10).toString('base64'), isBase64Encoded: true })],
    [
      400,
      event(
        { body: Buffer.from([0x1f, 0x8b, 1, 2, 3]).toString('base64'), isBase64Encoded: true },
        { 'content-encoding': 'gzip' },
      ),
    ],
    [400, event({ body: 'garbage' }, { 'content-encoding': 'gzip' })],
  ])('answers %d', (status, input) => {
    expect(statusOf(() => decodeRequest(input, MAX))).toBe(status);
  });

  it('stops a gzip bomb at the limit with 413', () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)).toString('base64');
    expect(bomb.length).toBeLessThan(MAX * 2);
    expect(
      statusOf(() =>
        decodeRequest(event({ body: bomb, isBase64Encoded: true }, { 'content-encoding': 'gzip' }), 1024 * 1024),
      ),
    ).toBe(413);
  });
});
