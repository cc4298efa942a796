import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseTenantKeys } from '../../../../handlers/ingest/auth';
import { readIngestConfig } from '../../../../handlers/ingest/config';
import { ingest } from '../../../../handlers/ingest/ingest';
import { deadlineIn } from '../../../../testing/ingest-deadline';
import type { PutRecords } from '../../../../handlers/ingest/kinesis-writer';
import { TenantKeyCache } from '../../../../handlers/ingest/tenant-keys';
import { attributeMap } from '../../../../src/otlp/values';
import { toProtobuf } from '../../../../testing/otlp-protobuf';
import { exportRequest, hex, otlpSpan } from '../../../helpers/otlp-payload';

const config = readIngestConfig({ HOPTRACE_STREAM_NAME: 'spans', HOPTRACE_INGEST_KEYS_PARAMETER: '/hoptrace/keys' });
const KEY = 'secret-key-0123456789';
const keys = new TenantKeyCache(
  async () => parseTenantKeys(JSON.stringify({ checkout: [KEY], search: ['search-key-0123456789'] }), 'test'),
  config,
);

function restEvent(body: Buffer, headers: Record<string, string>): Record<string, unknown> {
  return {
    resource: '/v1/traces',
    path: '/v1/traces',
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Api-Key': KEY, ...headers },
    requestContext: { stage: 'prod' },
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
}

function capture() {
  const written: Array<{ PartitionKey: string; Data: Uint8Array }> = [];
  const put: PutRecords = async ({ Records }) => {
    written.push(...Records);
    return { FailedRecordCount: 0, Records: Records.map(() => ({})) };
  };
  const resources = () =>
    written.flatMap((r) =>
      (
        JSON.parse(gunzipSync(r.Data).toString()) as { resourceSpans: Array<{ resource: { attributes: [] } }> }
      ).resourceSpans.map((rs) => attributeMap(rs.resource.attributes)),
    );
  return { put, written, resources };
}

/** Reads the two small protobuf answers: fields of varints and strings, one level deep. */
function protobufFields(bytes: Buffer): Record<number, number | Buffer> {
  const out: Record<number, number | Buffer> = {};
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (pos < bytes.length) {
    const tag = varint();
    if ((tag & 7) === 0) out[tag >> 3] = varint();
    else {
      const length = varint();
      out[tag >> 3] = bytes.subarray(pos, pos + length);
      pos += length;
    }
  }
  return out;
}

describe('ingest', () => {
  it('takes a gzip JSON body from the REST API (base64) and writes one record per trace', async () => {
    const kinesis = capture();
    const spans = [otlpSpan(), otlpSpan(), otlpSpan()];
    const body = gzipSync(JSON.stringify(exportRequest(spans)));
    const response = await ingest(
      restEvent(body, { 'Content-Encoding': 'gzip' }),
      config,
      kinesis.put,
      deadlineIn(5000),
      keys,
    );
    expect(response).toEqual({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(kinesis.written.map((r) => r.PartitionKey).sort()).toEqual(spans.map((s) => s.traceId as string).sort());
  });

  it('answers protobuf in protobuf: an empty ExportTraceServiceResponse, partial success, google.rpc.Status errors', async () => {
    const kinesis = capture();
    const ok = await ingest(
      restEvent(gzipSync(toProtobuf(exportRequest([otlpSpan()]))), {
        'Content-Type': 'application/x-protobuf',
        'Content-Encoding': 'gzip',
      }),
      config,
      kinesis.put,
      deadlineIn(5000),
      keys,
    );
    expect(ok).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/x-protobuf' },
      body: '',
      isBase64Encoded: true,
    });
    expect(kinesis.written).toHaveLength(1);

    const partial = await ingest(
      restEvent(toProtobuf(exportRequest([otlpSpan(), otlpSpan({ spanId: 'abc' })])), {
        'Content-Type': 'application/x-protobuf',
      }),
      config,
      kinesis.put,
      deadlineIn(5000),
      keys,
    );
    expect(partial.statusCode).toBe(200);
    const success = protobufFields(protobufFields(Buffer.from(partial.body, 'base64'))[1] as Buffer);
    expect(success[1]).toBe(1);
    expect(String(success[2])).toContain('spanId must be 16 hex digits');

    const refused = await ingest(
      restEvent(Buffer.from([0x0a, 0x7f]), { 'Content-Type': 'application/x-protobuf' }),
      config,
      kinesis.put,
      deadlineIn(5000),
      keys,
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toBe('application/x-protobuf');
    const status = protobufFields(Buffer.from(refused.body, 'base64'));
    expect(status[1]).toBe(3);
    expect(String(status[2])).toContain('length past the end');

    const stranger = await ingest(
      restEvent(Buffer.alloc(0), { 'Content-Type': 'application/x-protobuf', 'X-Api-Key': 'wrong' }),
      config,
      kinesis.put,
      deadlineIn(5000),
      keys,
    );
    expect(stranger.statusCode).toBe(401);
    expect(protobufFields(Buffer.from(stranger.body, 'base64'))[1]).toBe(16);

    const otherType = await ingest(
      restEvent(Buffer.from('x'), { 'Content-Type': 'text/plain' }),
      config,
      kinesis.put,
      deadlineIn(5000),
      keys,
    );
    expect(otherType.statusCode).toBe(415);
    expect(JSON.parse(otherType.body)).toEqual({
      code: 3,
      message: expect.stringContaining('application/x-protobuf or application/json') as string,
    });
  });

  it("stamps the key's tenant on every resource, over the one the client claimed", async () => {
    const kinesis = capture();
    const request = exportRequest([otlpSpan()]);
    (request.resourceSpans as Array<{ resource: { attributes: unknown[] } }>)[0]!.resource.attributes.push({
      key: 'hoptrace.tenant',
      value: { stringValue: 'search' },
    });
    const second = { resource: { attributes: [] }, scopeSpans: [{ scope: { name: 's' }, spans: [otlpSpan()] }] };
    (request.resourceSpans as unknown[]).push(second);
    for (const [format, body] of [
      ['json', Buffer.from(JSON.stringify(request))],
      ['x-protobuf', toProtobuf(request)],
    ] as const) {
      const response = await ingest(
        restEvent(body, { 'Content-Type': `application/${format}` }),
        config,
        kinesis.put,
        deadlineIn(5000),
        keys,
      );
      expect(response.statusCode).toBe(200);
    }
    expect(kinesis.resources()).toHaveLength(4);
    for (const resource of kinesis.resources()) expect(resource['hoptrace.tenant']).toBe('checkout');
    expect(kinesis.resources()[0]!['service.name']).toBe('svc');
  });

  it("keeps the key's tenant on the resource only: a claim in scope, span, event or link attributes is removed", async () => {
    const kinesis = capture();
    const claim = () => [
      { key: 'hoptrace.tenant', value: { stringValue: 'search' } },
      { key: 'kept', value: { stringValue: 'yes' } },
    ];
    const span = otlpSpan({
      attributes: claim(),
      events: [{ timeUnixNano: '1700000000050000000', name: 'e', attributes: claim() }],
      links: [{ traceId: hex(16), spanId: hex(8), attributes: claim() }],
    });
    const request = {
      resourceSpans: [
        { resource: { attributes: [] }, scopeSpans: [{ scope: { name: 's', attributes: claim() }, spans: [span] }] },
      ],
    };
    for (const [format, body] of [
      ['json', Buffer.from(JSON.stringify(request))],
      ['x-protobuf', toProtobuf(request)],
    ] as const) {
      expect(
        (
          await ingest(
            restEvent(body, { 'Content-Type': `application/${format}` }),
            config,
            kinesis.put,
            deadlineIn(5000),
            keys,
          )
        ).statusCode,
      ).toBe(200);
    }
    expect(kinesis.written).toHaveLength(2);
    for (const record of kinesis.written) {
      const text = gunzipSync(record.Data).toString();
      // Once, on the resource; every other attribute is kept.
      expect(text.match(/hoptrace\.tenant/g)).toHaveLength(1);
      expect(text.match(/"kept"/g)).toHaveLength(4);
    }
    for (const resource of kinesis.resources()) expect(resource['hoptrace.tenant']).toBe('checkout');
  });

  it('answers 503 with Retry-After when the keys cannot be read, and writes nothing', async () => {
    const kinesis = capture();
    const unreadable = new TenantKeyCache(async () => {
      throw new Error('AccessDeniedException');
    }, config);
    const response = await ingest(
      restEvent(Buffer.from(JSON.stringify(exportRequest([otlpSpan()]))), {}),
      config,
      kinesis.put,
      deadlineIn(5000),
      unreadable,
    );
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(kinesis.written).toHaveLength(0);
  });

  it('refuses with 413 a request that would become more records than the bound, and writes nothing', async () => {
    const kinesis = capture();
    const bounded = { ...config, maxRecordsPerRequest: 3 };
    const traces = (n: number) =>
      Buffer.from(JSON.stringify(exportRequest(Array.from({ length: n }, () => otlpSpan({ traceId: hex(16) })))));
    expect((await ingest(restEvent(traces(3), {}), bounded, kinesis.put, deadlineIn(5000), keys)).statusCode).toBe(200);
    const response = await ingest(restEvent(traces(4), {}), bounded, kinesis.put, deadlineIn(5000), keys);
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body).message).toContain('more than 3 traces');
    expect(kinesis.written).toHaveLength(3);
  });

  it('answers 503 with Retry-After when the stream keeps refusing', async () => {
    const put: PutRecords = async ({ Records }) => ({
      FailedRecordCount: Records.length,
      Records: Records.map(() => ({
        ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: 'Rate exceeded',
      })),
    });
    const response = await ingest(
      restEvent(Buffer.from(JSON.stringify(exportRequest([otlpSpan()]))), {}),
      config,
      put,
      deadlineIn(300),
      keys,
    );
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(JSON.parse(response.body)).toEqual({
      code: 14,
      message: expect.stringContaining('ProvisionedThroughputExceededException') as string,
    });
  });

  it('answers 503 when a PutRecords call never answers, aborting it at the deadline', async () => {
    let aborted = false;
    const hanging: PutRecords = (_input, signal) =>
      new Promise((_, reject) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        });
      });
    const response = await ingest(
      restEvent(Buffer.from(JSON.stringify(exportRequest([otlpSpan()]))), {}),
      config,
      hanging,
      deadlineIn(100),
      keys,
    );
    expect(response.statusCode).toBe(503);
    expect(aborted).toBe(true);
    expect(JSON.parse(response.body).message).toContain('did not answer before the deadline');
  });

  it('writes a request whose decoding outlasted the answer window: the window bounds waiting, not the ingest’s own work', async () => {
    await keys.tenantOf(KEY, Date.now() + 1000);
    const kinesis = capture();
    const spent = { receivedAt: Date.now() - 400, answerAt: Date.now() - 1, cutOffAt: Date.now() + 5000 };
    const response = await ingest(
      restEvent(Buffer.from(JSON.stringify(exportRequest([otlpSpan()]))), {}),
      config,
      kinesis.put,
      spent,
      keys,
    );
    expect(response.statusCode).toBe(200);
    expect(kinesis.written).toHaveLength(1);
  });

  it('still answers 503 at Lambda’s cut-off when the stream hangs after a long decode', async () => {
    const hanging: PutRecords = (_input, signal) =>
      new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
      );
    const response = await ingest(
      restEvent(Buffer.from(JSON.stringify(exportRequest([otlpSpan()]))), {}),
      config,
      hanging,
      { receivedAt: Date.now() - 400, answerAt: Date.now() - 1, cutOffAt: Date.now() + 100 },
      keys,
    );
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body).message).toContain('did not answer before the deadline');
  });

  it('treats a Kinesis client that throws as a failed call (503), and answers 401 before reading the body', async () => {
    const broken: PutRecords = () => {
      throw new TypeError('bug');
    };
    const response = await ingest(
      restEvent(Buffer.from(JSON.stringify(exportRequest([otlpSpan()]))), {}),
      config,
      broken,
      deadlineIn(1000),
      keys,
    );
    expect(response.statusCode).toBe(503);
    const unauthorized = await ingest(
      restEvent(Buffer.from('not even json'), { 'X-Api-Key': 'nope' }),
      config,
      broken,
      deadlineIn(1000),
      keys,
    );
    expect(unauthorized.statusCode).toBe(401);
    expect(unauthorized.headers['www-authenticate']).toBe('Bearer');
  });
});

describe('readIngestConfig', () => {
  it('refuses to start without a stream, without a key source while auth is on, or with keys in plain sight', () => {
    expect(() => readIngestConfig({})).toThrow(/HOPTRACE_STREAM_NAME/);
    expect(() => readIngestConfig({ HOPTRACE_STREAM_NAME: 's' })).toThrow(/HOPTRACE_INGEST_KEYS_PARAMETER/);
    expect(() => readIngestConfig({ HOPTRACE_STREAM_NAME: 's', HOPTRACE_INGEST_API_KEYS: 'a,b' })).toThrow(
      /not read: keys in plain environment variables/,
    );
    expect(
      readIngestConfig({
        HOPTRACE_STREAM_NAME: 's',
        HOPTRACE_INGEST_AUTH: 'none',
        HOPTRACE_INGEST_KEYS_PARAMETER: '/k',
      }).keysParameter,
    ).toBeUndefined();
    expect(() =>
      readIngestConfig({ HOPTRACE_STREAM_NAME: 's', HOPTRACE_INGEST_AUTH: 'none', HOPTRACE_MAX_BODY_BYTES: '-1' }),
    ).toThrow(/HOPTRACE_MAX_BODY_BYTES/);
    expect(() =>
      readIngestConfig({ HOPTRACE_STREAM_NAME: 's', HOPTRACE_INGEST_AUTH: 'none', HOPTRACE_INGEST_STREAM_MS: 'soon' }),
    ).toThrow(/HOPTRACE_INGEST_STREAM_MS="soon" must be a positive number/);
    expect(
      readIngestConfig({ HOPTRACE_STREAM_NAME: 's', HOPTRACE_INGEST_AUTH: 'none', HOPTRACE_INGEST_STREAM_MS: '900' })
        .streamWindowMs,
    ).toBe(900);
    const config = readIngestConfig({
      HOPTRACE_STREAM_NAME: 's',
      HOPTRACE_INGEST_KEYS_PARAMETER: '/k',
      HOPTRACE_REDACT_KEYS: 'none',
    });
    expect(config).toMatchObject({
      keysParameter: '/k',
      answerWithinMs: 350,
      streamWindowMs: 250,
      maxRecordsPerRequest: 2000,
    });
    expect(config.redactor.isSensitive('password')).toBe(false);
  });

  it('refuses an auth mode it does not know, where anything but none meant on', () => {
    const base = { HOPTRACE_STREAM_NAME: 's', HOPTRACE_INGEST_KEYS_PARAMETER: '/k' };
    const off = () => readIngestConfig({ ...base, HOPTRACE_INGEST_AUTH: 'off' });
    expect(off).toThrow('HOPTRACE_INGEST_AUTH="off" must be on or none');
    expect(readIngestConfig({ ...base, HOPTRACE_INGEST_AUTH: 'ON' }).keysParameter).toBe('/k');
    expect(() => readIngestConfig({ ...base, HOPTRACE_METRICS_NAMESPACE: ' ' })).not.toThrow();
  });
});
