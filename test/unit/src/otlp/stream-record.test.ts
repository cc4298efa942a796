import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { spanRows } from '../../../../span-table/rows';
import { decodeExportRequest } from '../../../../handlers/ingest/decode';
import { stampReceipt } from '../../../../handlers/ingest/export-counts';
import { buildRecords } from '../../../../handlers/ingest/records';
import { stampTenant } from '../../../../handlers/ingest/tenant';
import { decodeRecord } from '../../../../handlers/tail-sampler/parts';
import { SpanStore } from '../../../../cli/src/read/span-store';
import { compile } from '../../../../cli/src/query/evaluate';
import { parseQuery } from '../../../../cli/src/query/parse';
import { shorthandQuery } from '../../../../cli/src/query/shorthands';
import {
  decodeStreamRecord,
  encodeStreamRecord,
  MAX_INFLATED_BYTES,
  parseExportRequest,
  receivedMsOf,
  StreamRecordError,
  traceIdOfKey,
} from '../../../../src/otlp/stream-record';
import { HoptraceAttribute } from '../../../../src/otlp/hoptrace-attributes';
import type { OtlpExportRequest } from '../../../../src/otlp/types';
import { Redactor } from '../../../../src/redaction';
import { exportRequest, hex, otlpSpan } from '../../../helpers/otlp-payload';

const tenant = (value: string) => ({ key: HoptraceAttribute.Tenant, value: { stringValue: value } });

/** A record under tenant `search` whose scope, span, event and link claim `checkout`. */
function posing(): OtlpExportRequest {
  const span = otlpSpan({
    attributes: [tenant('checkout'), { key: 'http.route', value: { stringValue: '/pay' } }],
    events: [{ timeUnixNano: '1700000000050000000', name: 'e', attributes: [tenant('checkout')] }],
    links: [{ traceId: 'b'.repeat(32), spanId: 'c'.repeat(16), attributes: [tenant('checkout')] }],
  });
  return {
    resourceSpans: [
      {
        resource: { attributes: [tenant('search')] },
        scopeSpans: [{ scope: { name: 's', attributes: [tenant('checkout')] }, spans: [span as never] }],
      },
    ],
  };
}

describe('the stream record', () => {
  it('reads what it writes', () => {
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [tenant('search')] },
          scopeSpans: [{ scope: { name: 's' }, spans: [otlpSpan() as never] }],
        },
      ],
    };
    const data = encodeStreamRecord(request);
    expect([data[0], data[1]]).toEqual([0x1f, 0x8b]);
    const { request: read, jsonBytes } = decodeStreamRecord(data);
    expect(read).toEqual(request);
    expect(jsonBytes).toBe(Buffer.byteLength(JSON.stringify(request)));
  });

  it("reads what the ingest writes: its records' spans, tenant, receipt time and trace id keys", () => {
    const [t1, t2] = [hex(16), hex(16)];
    const spans = [
      otlpSpan({ traceId: t1 }),
      otlpSpan({ traceId: t2, name: 'second' }),
      otlpSpan({ traceId: t1, name: 'x' }),
    ];
    const rules = { maxCount: 128, maxValueLength: 10_000, redactor: new Redactor([]) };
    const { groups } = decodeExportRequest({ format: 'json', text: JSON.stringify(exportRequest(spans)) }, rules);
    stampTenant(groups, 'search');
    stampReceipt(groups, 1_700_000_000_123);
    const { records } = buildRecords(groups);

    const decoded = records.map((r) => ({ key: traceIdOfKey(r.partitionKey), ...decodeStreamRecord(r.data) }));
    expect(decoded.map((r) => r.key).sort()).toEqual([t1, t2].sort());
    for (const { key, request, jsonBytes } of decoded) {
      const [rs] = request.resourceSpans;
      expect(rs!.resource!.attributes).toContainEqual(tenant('search'));
      expect(receivedMsOf(rs!.resource)).toBe(1_700_000_000_123);
      const read = request.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((ss) => ss.spans));
      const written = spans.filter((span) => span.traceId === key);
      expect(read.map((span) => [span.traceId, span.name])).toEqual(written.map((span) => [key, span.name]));
      expect(jsonBytes).toBe(Buffer.byteLength(JSON.stringify(request)));
    }
    // The tail sampler's reader takes the same record as the Kinesis event delivers it.
    const [first] = records;
    const { partitionKey, data } = first!;
    const event = {
      eventID: 'shardId-0:1',
      kinesis: { partitionKey, sequenceNumber: '1', data: data.toString('base64') },
    };
    expect(decodeRecord(event as never)).toMatchObject({
      traceId: partitionKey,
      request: decodeStreamRecord(data).request,
    });
  });

  it('reads lists OTLP JSON leaves out as empty', () => {
    expect(parseExportRequest('{"resourceSpans":[{"resource":{}},{"scopeSpans":[{"scope":{}}]}]}')).toEqual({
      resourceSpans: [{ resource: {}, scopeSpans: [] }, { scopeSpans: [{ scope: {}, spans: [] }] }],
    });
  });

  it('refuses what is not a record with one error class, its name and cause set', () => {
    const cases: Array<[Buffer, string]> = [
      [Buffer.from('{"resourceSpans":[]}'), 'not gzip'],
      [gzipSync('{"resourceSpans":[]}').subarray(0, 12), 'gzip that does not decompress'],
      [gzipSync(Buffer.alloc(MAX_INFLATED_BYTES + 1, 0x20)), 'gzip that inflates past'],
      [gzipSync('{"resourceSpans":'), 'not JSON'],
      [gzipSync('[]'), 'JSON that is not an OTLP ExportTraceServiceRequest (no resourceSpans array)'],
      [gzipSync('{"resourceSpans":{}}'), 'JSON that is not an OTLP ExportTraceServiceRequest (no resourceSpans array)'],
      [gzipSync('{"resourceSpans":[1]}'), 'a resourceSpans entry is not an object'],
      [gzipSync('{"resourceSpans":[{"scopeSpans":{}}]}'), 'a scopeSpans field is not an array'],
      [gzipSync('{"resourceSpans":[{"scopeSpans":[null]}]}'), 'a scopeSpans entry is not an object'],
      [gzipSync('{"resourceSpans":[{"scopeSpans":[{"spans":{}}]}]}'), 'a spans field is not an array'],
    ];
    for (const [data, message] of cases) {
      const error = (() => {
        try {
          decodeStreamRecord(data);
        } catch (e) {
          return e as Error;
        }
        throw new Error(`accepted: ${message}`);
      })();
      expect(error).toBeInstanceOf(StreamRecordError);
      expect(error.name).toBe('StreamRecordError');
      expect(error.message).toContain(message);
      if (!message.startsWith('not gzip') && !/^(a |JSON that)/.test(message)) expect(error.cause).toBeDefined();
    }
  });

  it('refuses a partition key that is not a trace id, with the same error', () => {
    expect(traceIdOfKey('ab'.repeat(16))).toBe('ab'.repeat(16));
    for (const key of ['', 'ab'.repeat(15), 'AB'.repeat(16), `${'ab'.repeat(16)}0`, 'g'.repeat(32), 'x'.repeat(500)]) {
      let error: unknown;
      try {
        traceIdOfKey(key);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StreamRecordError);
      expect((error as Error).message).toBe(`partition key "${key.slice(0, 64)}" is not a trace id`);
    }
  });

  it('leaves the tenant on the resource only, for every reader: the archive and the command', () => {
    const { request } = decodeStreamRecord(encodeStreamRecord(posing()));
    expect(JSON.stringify(request).match(/hoptrace\.tenant/g)).toHaveLength(1);
    expect(JSON.stringify(request)).toContain('/pay');

    const [row] = spanRows(request);
    expect(row!.tenant).toBe('search');
    expect(row!.span_attributes).toEqual({ 'http.route': '/pay' });

    for (const [value, matches] of [
      ['checkout', 0],
      ['search', 1],
    ] as const) {
      const store = new SpanStore({
        query: compile(parseQuery(shorthandQuery({ attr: { key: HoptraceAttribute.Tenant, value } })!)),
      });
      store.add(decodeStreamRecord(encodeStreamRecord(posing())).request);
      const matched = [...store.traces.values()]
        .flatMap((spans) => [...spans.values()])
        .filter((s) => s.spansets !== 0);
      expect({ value, matched: matched.length }).toEqual({ value, matched: matches });
    }
  });
});

describe("the library's bundles", () => {
  it('carry no stream-record code: only handlers and the command import it', async () => {
    const { build } = await import('esbuild');
    for (const entry of ['src/index.ts', 'src/lambda/index.ts']) {
      const { metafile } = await build({
        entryPoints: [entry],
        bundle: true,
        platform: 'node',
        format: 'esm',
        write: false,
        metafile: true,
        external: ['@opentelemetry/api'],
        logLevel: 'silent',
      });
      const inputs = Object.keys(metafile.inputs);
      expect(inputs.length).toBeGreaterThan(5);
      expect(inputs.filter((input) => input.includes('stream-record'))).toEqual([]);
    }
  });
});
