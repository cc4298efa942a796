import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSpanTable } from '../../cli/src/archive/duckdb-table';
import { HoptraceAttribute } from '../../src/otlp/hoptrace-attributes';
import { startEventSource } from '../../testing/event-source';
import { ARCHIVE_BUCKET, startLocalIngest, type LocalIngest } from '../../testing/ingest-stack';
import { readStream } from '../../testing/kinesis';
import { decodeStreamRecord } from '../../src/otlp/stream-record';
import type { OtlpSpan } from '../../src/otlp/types';
import { withTracing } from '../../src/index';
import { ANY_VALUES, ANY_VALUES_OTLP, REDACTED_REQUEST_OTLP } from '../helpers/any-values';
import { lambdaContext } from '../helpers/lambda';
import { hoptraceJson } from '../unit/cli/run-cli';

// API 1.10's AnyValue attributes end to end: sent by hoptrace and by the OpenTelemetry JS SDK 3
// exporters (JSON and protobuf) into the bundled ingest in serverless-offline, onto kinesalite,
// through the bundled archive function (as the event source mapping hands it batches) into
// Parquet, and read back by the command from the stream and from the archive.

const STREAM = 'any-value';
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
// The SDK 3 packages require Node >= 22.15 (their engines field).
const SDK3 = major > 22 || (major === 22 && minor >= 15);
const SDK3_SKIP = SDK3
  ? ''
  : ` (skipped on Node ${process.versions.node}: the OpenTelemetry JS SDK 3 needs Node >= 22.15)`;

const ATTRIBUTES = { ...ANY_VALUES, request: { headers: { authorization: 'Bearer sk-123' } } };

/** What the stream holds for ATTRIBUTES, whoever sent them: the secret redacted by the ingest if not before. */
const ON_THE_STREAM = [...ANY_VALUES_OTLP, REDACTED_REQUEST_OTLP];
/** What the command shows for them, from either source. */
const SHOWN = {
  map: { a: 1, b: ['x', 2, true] },
  bytes: 'AAEC/w==',
  mixed: [1, 'two', { three: 3 }],
  empty: null,
  request: { headers: { authorization: '[REDACTED]' } },
};

let ingest: LocalIngest;
/** The span table the archive function wrote: the bucket's `spans/`. */
let dir: string;
const traceIds: Record<string, string> = {};
const spans = new Map<string, OtlpSpan>();
/** Each span's attributes as the archive stores them, by span name. */
const rows = new Map<string, { span_attributes: Record<string, string> }>();

beforeAll(async () => {
  ingest = await startLocalIngest(STREAM, 1);
  dir = join(ingest.s3.bucketDir(ARCHIVE_BUCKET), 'spans');
  const url = `${ingest.url}/v1/traces`;
  const handler = withTracing(
    async () => {
      traceIds.hoptrace = trace.getActiveSpan()!.spanContext().traceId;
      trace.getTracer('genai').startActiveSpan('hoptrace chat', (span) => {
        span.setAttributes(ATTRIBUTES as never);
        span.end();
      });
    },
    { endpoint: url, serviceName: 'genai' },
  );
  await handler({}, lambdaContext());
  if (SDK3) {
    const { sendWithSdk3 } = await import('../otel-sdk3/send');
    traceIds.sdk3Json = await sendWithSdk3(url, 'json', 'sdk3 json chat', ATTRIBUTES);
    traceIds.sdk3Protobuf = await sendWithSdk3(url, 'protobuf', 'sdk3 protobuf chat', ATTRIBUTES);
  }
  // An export that outlasts its client's timeout on a loaded machine still lands, later: the
  // stream is read until every sender's span is there.
  const names = ['hoptrace chat', ...(SDK3 ? ['sdk3 json chat', 'sdk3 protobuf chat'] : [])];
  let records: Awaited<ReturnType<typeof readStream>> = [];
  for (let reads = 1; ; reads++) {
    records = await readStream(ingest.kinesis.client, STREAM);
    spans.clear();
    for (const record of records)
      for (const rs of decodeStreamRecord(record.data).request.resourceSpans)
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.set(s.name, s);
    const missing = names.filter((name) => !spans.has(name));
    if (missing.length === 0) break;
    if (reads === 240) throw new Error(`never on the stream: ${missing.join(', ')}`);
    await sleep(250);
  }
  // The bundled archive function, handed the stream's batches as the event source mapping hands them.
  const mapping = await startEventSource(
    ingest.kinesis.client,
    STREAM,
    async (event) => (await ingest.invoke('archive', event)) as KinesisStreamBatchResponse,
  );
  await mapping.idle();
  await mapping.stop();
  const table = await openSpanTable(dir);
  try {
    for (const row of await table.select('SELECT span_name, span_attributes FROM otel_traces', [])) {
      const attributes = row.span_attributes as unknown as Array<{ key: string; value: string }>;
      rows.set(String(row.span_name), {
        span_attributes: Object.fromEntries(attributes.map((kv) => [kv.key, kv.value])),
      });
    }
  } finally {
    table.close();
  }
}, 180_000);

afterAll(async () => {
  await ingest?.stop();
});

const senders = [
  { sender: 'hoptrace', span: 'hoptrace chat', sdk3: false },
  { sender: 'the SDK 3 JSON exporter', span: 'sdk3 json chat', sdk3: true },
  { sender: 'the SDK 3 protobuf exporter', span: 'sdk3 protobuf chat', sdk3: true },
];

describe.each(senders)('AnyValue attributes sent by $sender', ({ span, sdk3 }) => {
  it.skipIf(sdk3 && !SDK3)(
    `land on the stream as OTLP kvlist, array, bytes and empty values, redacted inside${sdk3 ? SDK3_SKIP : ''}`,
    () => {
      expect(spans.get(span)?.attributes).toEqual(ON_THE_STREAM);
    },
  );

  it.skipIf(sdk3 && !SDK3)(`are stored in the archive as marked JSON text${sdk3 ? SDK3_SKIP : ''}`, () => {
    const attributes = rows.get(span)!.span_attributes;
    expect(attributes.map).toBe('{"a":1,"b":["x",2,true]}');
    expect(attributes.bytes).toBe('AAEC/w==');
    expect(attributes.mixed).toBe('[1,"two",{"three":3}]');
    expect(attributes.empty).toBe('null');
    expect(JSON.parse(attributes[HoptraceAttribute.AnyValueTypes]!)).toEqual({
      map: 'kvlist',
      bytes: 'bytes',
      mixed: 'array',
      empty: 'empty',
      request: 'kvlist',
    });
  });
});

describe('the command', () => {
  const sources = (): Array<[string, string[]]> => [
    ['stream', ['--stream', STREAM, '--endpoint', ingest.kinesis.endpoint]],
    ['archive', ['--archive', dir]],
  ];

  it('shows the values alike from the stream and from the archive', async () => {
    for (const [, source] of sources()) {
      const detail = (await hoptraceJson('trace', traceIds.hoptrace!, ...source)) as {
        spans: Array<{ name: string; attributes: Record<string, unknown> }>;
      };
      const chat = detail.spans.find((s) => s.name === 'hoptrace chat')!;
      expect(chat.attributes).toMatchObject(SHOWN);
      expect(chat.attributes).not.toHaveProperty(HoptraceAttribute.AnyValueTypes);
    }
  });

  it('finds a trace by equality on the JSON text of a nested value, from either source', async () => {
    const expected = Object.values(traceIds).sort();
    for (const [, source] of sources()) {
      const found = (await hoptraceJson(
        'traces',
        ...source,
        '--query',
        '{ span.map = "{\\"a\\":1,\\"b\\":[\\"x\\",2,true]}" }',
      )) as Array<{ traceId: string }>;
      expect(found.map((t) => t.traceId).sort()).toEqual(expected);
      const none = (await hoptraceJson('traces', ...source, '--query', '{ span.map = "{\\"a\\":2}" }')) as unknown[];
      expect(none).toEqual([]);
    }
  });
});
