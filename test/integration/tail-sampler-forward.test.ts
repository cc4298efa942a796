import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readConsumerConfig } from '../../handlers/tail-sampler/config';
import { ForwardError, httpForwarder } from '../../handlers/tail-sampler/forwarder';
import { DEFAULT_REQUEST_LIMITS, WorkBudget } from '../../handlers/ingest/request-limits';
import { readExportRequest } from '../../src/otlp/protobuf-decode';
import { encodeExportRequestProtobuf } from '../../src/otlp/protobuf-encode';
import type { OtlpExportRequest } from '../../src/otlp/types';
import { OtlpReceiver } from '../../testing/otlp-receiver';
import { ANY_VALUES_OTLP } from '../helpers/any-values';
import { exportRequest, otlpSpan } from '../helpers/otlp-payload';

const REQUEST = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] },
      scopeSpans: [{ scope: { name: 'hoptrace' }, spans: [] }],
    },
  ],
} as unknown as OtlpExportRequest;

// A span with an AnyValue of each kind (map, bytes, heterogeneous array, empty), as the ingest stores them.
const ANY_VALUES_REQUEST = exportRequest([otlpSpan({ attributes: ANY_VALUES_OTLP })]) as unknown as OtlpExportRequest;

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await OtlpReceiver.start();
});
beforeEach(() => receiver.reset());
afterAll(() => receiver.close());

const forwarder = (env: Record<string, string> = {}) =>
  httpForwarder(
    readConsumerConfig({ HOPTRACE_FORWARD_ENDPOINT: receiver.url, HOPTRACE_DECISION_TABLE: 't', ...env }).forward,
  );

type RawRequest = { headers: http.IncomingHttpHeaders; body: Buffer };

/** Forwards `request` as protobuf to a server that keeps the raw body, which the JSON receiver cannot read. */
async function forwardProtobuf(request: OtlpExportRequest): Promise<RawRequest> {
  let got: RawRequest | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got = { headers: req.headers, body: Buffer.concat(chunks) };
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
    await httpForwarder(
      readConsumerConfig({
        HOPTRACE_FORWARD_ENDPOINT: endpoint,
        HOPTRACE_DECISION_TABLE: 't',
        HOPTRACE_FORWARD_PROTOCOL: 'http/protobuf',
      }).forward,
    )(request);
  } finally {
    server.close();
  }
  return got!;
}

describe('forwarding to an OTLP/HTTP backend (loopback receiver)', () => {
  it('posts gzipped OTLP JSON with the configured headers', async () => {
    await forwarder({ HOPTRACE_FORWARD_HEADERS: 'x-honeycomb-team=secret' })(REQUEST);
    const [req] = receiver.requests;
    expect(req!.headers).toMatchObject({
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'x-honeycomb-team': 'secret',
    });
    expect(req!.body).toEqual(REQUEST);
  });

  it('posts plain JSON when compression is off', async () => {
    await forwarder({ HOPTRACE_FORWARD_COMPRESSION: 'none' })(REQUEST);
    expect(receiver.requests[0]!.headers['content-encoding']).toBeUndefined();
    expect(receiver.requests[0]!.body).toEqual(REQUEST);
  });

  it('posts gzipped protobuf when asked', async () => {
    const got = await forwardProtobuf(REQUEST);
    expect(got.headers).toMatchObject({ 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(gunzipSync(got.body)).toEqual(encodeExportRequestProtobuf(REQUEST));
  });

  it('forwards AnyValue attributes intact, as JSON and as protobuf', async () => {
    await forwarder()(ANY_VALUES_REQUEST);
    const attributes = (request: unknown) =>
      (request as OtlpExportRequest).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes;
    expect(attributes(receiver.requests[0]!.body)).toEqual(ANY_VALUES_OTLP);
    // Read back by the ingest's own protobuf reader, not by the encoder that wrote it.
    const got = await forwardProtobuf(ANY_VALUES_REQUEST);
    const read = readExportRequest(gunzipSync(got.body), new WorkBudget(DEFAULT_REQUEST_LIMITS));
    expect(attributes(read)).toEqual(ANY_VALUES_OTLP);
  });

  it("signs with SigV4 for the X-Ray OTLP endpoint, with the function's credentials", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'session-token',
    });
    try {
      await forwarder({ HOPTRACE_FORWARD_SIGV4_SERVICE: 'xray', AWS_REGION: 'eu-west-1' })(REQUEST);
    } finally {
      process.env = saved;
    }
    const headers = receiver.requests[0]!.headers;
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\/\d{8}\/eu-west-1\/xray\/aws4_request, SignedHeaders=[a-z0-9;-]*content-encoding;content-type;host;[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-security-token']).toBe('session-token');
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it.each([
    [{ kind: 'status', status: 503 } as const, 'answered 503'],
    [{ kind: 'status', status: 429, retryAfter: '2' } as const, 'answered 429'],
    [{ kind: 'status', status: 400 } as const, 'answered 400'],
  ])('rejects when the backend answers %j', async (behaviour, message) => {
    receiver.next(behaviour);
    await expect(forwarder()(REQUEST)).rejects.toThrow(message);
  });

  it('rejects when the backend does not answer in time, or is not there', async () => {
    receiver.next({ kind: 'hang' });
    await expect(forwarder({ HOPTRACE_FORWARD_TIMEOUT_MS: '200' })(REQUEST)).rejects.toBeInstanceOf(ForwardError);
    const gone = await OtlpReceiver.start();
    const url = gone.url;
    await gone.close();
    const down = httpForwarder(
      readConsumerConfig({ HOPTRACE_FORWARD_ENDPOINT: url, HOPTRACE_DECISION_TABLE: 't' }).forward,
    );
    await expect(down(REQUEST)).rejects.toThrow('ECONNREFUSED');
  });
});
