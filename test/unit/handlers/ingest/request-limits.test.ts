import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { readIngestConfig } from '../../../../handlers/ingest/config';
import { decodeExportRequest } from '../../../../handlers/ingest/decode';
import { HttpError } from '../../../../handlers/ingest/http-error';
import { ingest } from '../../../../handlers/ingest/ingest';
import { deadlineIn } from '../../../../testing/ingest-deadline';
import type { PutRecords } from '../../../../handlers/ingest/kinesis-writer';
import { buildRecords } from '../../../../handlers/ingest/records';
import { checkJsonItems, RequestLimitError } from '../../../../handlers/ingest/request-limits';
import { DEFAULT_REDACT_KEYS, Redactor } from '../../../../src/redaction';
import { toProtobuf } from '../../../../testing/otlp-protobuf';
import { exportRequest, hex, otlpSpan } from '../../../helpers/otlp-payload';

// The record builder, watched: a request over a limit must be refused before it is called.
vi.mock('../../../../handlers/ingest/records', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../../handlers/ingest/records')>();
  return { ...real, buildRecords: vi.fn(real.buildRecords) };
});

const rules = { maxCount: 128, maxValueLength: 8192, redactor: new Redactor(DEFAULT_REDACT_KEYS) };
const limits = { maxSpans: 100, maxItems: 1000, maxTraces: 20 };
const config = {
  ...readIngestConfig({ HOPTRACE_STREAM_NAME: 'spans', HOPTRACE_INGEST_AUTH: 'none' }),
  maxSpansPerRequest: limits.maxSpans,
  maxItemsPerRequest: limits.maxItems,
  maxRecordsPerRequest: limits.maxTraces,
};

function status(run: () => unknown): number | 'accepted' {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (error instanceof HttpError) return error.status;
    throw error;
  }
}

const json = (request: unknown) => ({
  format: 'json' as const,
  text: typeof request === 'string' ? request : JSON.stringify(request),
});
const protobuf = (request: Record<string, unknown>) => ({ format: 'protobuf' as const, bytes: toProtobuf(request) });
const emptySpans = (n: number) => ({
  resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: n }, () => ({})) }] }],
});

/** A protobuf body of `n` two-byte empty spans (tag 0x12, length 0) in one scope of one resource. */
function emptyProtobufSpans(n: number): Buffer {
  const delimited = (tag: number, content: Buffer): Buffer => {
    const length: number[] = [];
    let rest = content.length;
    while (rest > 0x7f) {
      length.push((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    length.push(rest);
    return Buffer.concat([Buffer.from([tag, ...length]), content]);
  };
  return delimited(0x0a, delimited(0x12, Buffer.alloc(2 * n).fill(Buffer.from([0x12, 0x00]))));
}

describe("the ingest's work limits", () => {
  beforeEach(() => {
    vi.mocked(buildRecords).mockClear();
  });

  it('refuses with 413 a request of more spans than the limit, in either encoding, before validating any', () => {
    expect(status(() => decodeExportRequest(json(emptySpans(limits.maxSpans)), rules, limits))).toBe('accepted');
    expect(status(() => decodeExportRequest(json(emptySpans(limits.maxSpans + 1)), rules, limits))).toBe(413);
    expect(
      status(() =>
        decodeExportRequest({ format: 'protobuf', bytes: emptyProtobufSpans(limits.maxSpans) }, rules, limits),
      ),
    ).toBe('accepted');
    expect(
      status(() =>
        decodeExportRequest({ format: 'protobuf', bytes: emptyProtobufSpans(limits.maxSpans + 1) }, rules, limits),
      ),
    ).toBe(413);
  });

  it('refuses with 413 a request of more messages than the limit: attributes, events, values', () => {
    const span = (spec: Record<string, unknown>) => exportRequest([otlpSpan(spec)]);
    const attributes = (n: number) =>
      span({ attributes: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: {} })) });
    const events = (n: number) => span({ events: Array.from({ length: n }, () => ({ timeUnixNano: '1', name: '' })) });
    for (const body of [attributes(600), events(1100)]) {
      expect(status(() => decodeExportRequest(json(body), rules, limits))).toBe(413);
      expect(status(() => decodeExportRequest(protobuf(body), rules, limits))).toBe(413);
    }
    for (const body of [attributes(100), events(100)]) {
      expect(status(() => decodeExportRequest(json(body), rules, limits))).toBe('accepted');
      expect(status(() => decodeExportRequest(protobuf(body), rules, limits))).toBe('accepted');
    }
  });

  it('counts JSON objects and arrays outside strings only, escaped quotes included', () => {
    expect(() => checkJsonItems(JSON.stringify({ s: '{[{[{[ \\" {{{{ \\\\', a: [{}, {}] }), 3)).not.toThrow();
    expect(() => checkJsonItems(JSON.stringify({ a: [{}, {}, {}] }), 3)).toThrow(RequestLimitError);
    expect(() => checkJsonItems('[[[[', 3)).toThrow(RequestLimitError);
    expect(() => checkJsonItems('{"unterminated', 3)).not.toThrow();
  });

  it('answers a 5 KB gzip body of empty spans that inflates to 5 MiB with 413, in either encoding, and writes nothing', async () => {
    const written: unknown[] = [];
    const put: PutRecords = async ({ Records }) => {
      written.push(...Records);
      return { FailedRecordCount: 0, Records: Records.map(() => ({})) };
    };
    const defaults = readIngestConfig({ HOPTRACE_STREAM_NAME: 'spans', HOPTRACE_INGEST_AUTH: 'none' });
    const spans = Math.floor((5 * 1024 * 1024 - 100) / 3);
    const bodies = [
      [
        'application/json',
        Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[${new Array(spans).fill('{}').join(',')}]}]}]}`),
      ],
      ['application/x-protobuf', emptyProtobufSpans(Math.floor((5 * 1024 * 1024 - 100) / 2))],
    ] as const;
    for (const [contentType, body] of bodies) {
      const gzipped = gzipSync(body, { level: 9 });
      expect(gzipped.length).toBeLessThan(10 * 1024);
      const event = {
        httpMethod: 'POST',
        headers: { 'content-type': contentType, 'content-encoding': 'gzip' },
        body: gzipped.toString('base64'),
        isBase64Encoded: true,
      };
      const response = await ingest(event, defaults, put, deadlineIn(5000), undefined);
      expect({ contentType, status: response.statusCode }).toEqual({ contentType, status: 413 });
    }
    expect(written).toHaveLength(0);
  });

  it('refuses more traces than the limit with 413 before building a record', async () => {
    const put: PutRecords = async ({ Records }) => ({ FailedRecordCount: 0, Records: Records.map(() => ({})) });
    const traces = (n: number) =>
      Buffer.from(JSON.stringify(exportRequest(Array.from({ length: n }, () => otlpSpan({ traceId: hex(16) })))));
    const event = (body: Buffer) => ({
      httpMethod: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body.toString(),
    });
    expect((await ingest(event(traces(limits.maxTraces)), config, put, deadlineIn(5000), undefined)).statusCode).toBe(
      200,
    );
    expect(buildRecords).toHaveBeenCalledTimes(1);
    const refused = await ingest(event(traces(limits.maxTraces + 1)), config, put, deadlineIn(5000), undefined);
    expect(refused.statusCode).toBe(413);
    expect(JSON.parse(refused.body).message).toContain(`more than ${limits.maxTraces} traces`);
    expect(buildRecords).toHaveBeenCalledTimes(1);
  });
});
