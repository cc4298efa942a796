import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readIngestConfig } from '../../../handlers/ingest/config';
import { ingest } from '../../../handlers/ingest/ingest';
import type { PutRecords } from '../../../handlers/ingest/kinesis-writer';
import { exportRequest, otlpSpan } from '../../helpers/otlp-payload';

const config = readIngestConfig({ HOPTRACE_STREAM_NAME: 'spans', HOPTRACE_INGEST_API_KEYS: 'secret-key' });

function functionUrlEvent(body: Buffer, headers: Record<string, string>): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/v1/traces',
    headers: { 'content-type': 'application/json', 'x-api-key': 'secret-key', ...headers },
    requestContext: { domainName: 'abc.lambda-url.eu-west-1.on.aws', http: { method: 'POST', path: '/v1/traces' } },
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
}

describe('ingest', () => {
  it('takes a gzip body from a Function URL (base64) and writes one record per trace', async () => {
    const written: Array<{ PartitionKey: string; Data: Uint8Array }> = [];
    const put: PutRecords = async ({ Records }) => {
      written.push(...Records);
      return { FailedRecordCount: 0, Records: Records.map(() => ({})) };
    };
    const spans = [otlpSpan(), otlpSpan(), otlpSpan()];
    const body = gzipSync(JSON.stringify(exportRequest(spans)));
    const response = await ingest(functionUrlEvent(body, { 'content-encoding': 'gzip' }), config, put, Date.now() + 5000);
    expect(response).toEqual({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(written.map((r) => r.PartitionKey).sort()).toEqual(spans.map((s) => s.traceId as string).sort());
    const first = JSON.parse(gunzipSync(written[0]!.Data).toString()) as { resourceSpans: unknown[] };
    expect(first.resourceSpans).toHaveLength(1);
  });

  it('answers 503 with Retry-After when the stream keeps refusing', async () => {
    const put: PutRecords = async ({ Records }) => ({
      FailedRecordCount: Records.length,
      Records: Records.map(() => ({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' })),
    });
    const response = await ingest(functionUrlEvent(Buffer.from(JSON.stringify(exportRequest([otlpSpan()]))), {}), config, put, Date.now() + 300);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(JSON.parse(response.body)).toEqual({ code: 14, message: expect.stringContaining('ProvisionedThroughputExceededException') as string });
  });

  it('treats a Kinesis client that throws as a failed call (503), and answers 401 before reading the body', async () => {
    const broken: PutRecords = () => {
      throw new TypeError('bug');
    };
    const response = await ingest(functionUrlEvent(Buffer.from(JSON.stringify(exportRequest([otlpSpan()]))), {}), config, broken, Date.now() + 1000);
    expect(response.statusCode).toBe(503);
    const unauthorized = await ingest(functionUrlEvent(Buffer.from('not even json'), { 'x-api-key': 'nope' }), config, broken, Date.now() + 1000);
    expect(unauthorized.statusCode).toBe(401);
    expect(unauthorized.headers['www-authenticate']).toBe('Bearer');
  });
});

describe('readIngestConfig', () => {
  it('refuses to start without a stream, or without keys while auth is on', () => {
    expect(() => readIngestConfig({})).toThrow(/HOPTRACE_STREAM_NAME/);
    expect(() => readIngestConfig({ HOPTRACE_STREAM_NAME: 's' })).toThrow(/HOPTRACE_INGEST_API_KEYS/);
    expect(readIngestConfig({ HOPTRACE_STREAM_NAME: 's', HOPTRACE_INGEST_AUTH: 'none' }).apiKeys).toBeUndefined();
    expect(() => readIngestConfig({ HOPTRACE_STREAM_NAME: 's', HOPTRACE_INGEST_AUTH: 'none', HOPTRACE_MAX_BODY_BYTES: '-1' })).toThrow(/HOPTRACE_MAX_BODY_BYTES/);
    const config = readIngestConfig({ HOPTRACE_STREAM_NAME: 's', HOPTRACE_INGEST_API_KEYS: 'a, b', HOPTRACE_REDACT_KEYS: 'none' });
    expect(config.apiKeys).toEqual(['a', 'b']);
    expect(config.redactor.isSensitive('password')).toBe(false);
  });
});
