import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { openSpanTable } from '../../../../cli/src/archive/duckdb-table';
import { archiveBatch, MAX_ROW_BYTES, type PutObject } from '../../../../handlers/archive/consume';
import { capRow } from '../../../../handlers/archive/row-limits';
import { HoptraceAttribute } from '../../../../src/otlp/hoptrace-attributes';
import { nanosToIso, spanRows } from '../../../../span-table/rows';
import type { OtlpExportRequest } from '../../../../src/otlp/types';
import { exportRequest, otlpSpan } from '../../../helpers/otlp-payload';

const TRACE = 'a'.repeat(32);
const SHARD = 'shardId-000000000000';

function request(spans: Array<Record<string, unknown>>, service = 'orders'): OtlpExportRequest {
  return exportRequest(spans, service) as unknown as OtlpExportRequest;
}

// When the stream received the test records: the helpers' spans start at 1700000000 s.
const ARRIVAL_MS = 1_700_000_060_000;

/** Stream records as the event source mapping hands them, sequence numbers from `first` on. */
function batch(datas: Buffer[], first = 100): KinesisStreamRecord[] {
  return datas.map((d, i) => ({
    awsRegion: 'us-east-1',
    eventID: `${SHARD}:${first + i}`,
    eventName: 'aws:kinesis:record',
    eventSource: 'aws:kinesis',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
    eventVersion: '1.0',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/r',
    kinesis: {
      approximateArrivalTimestamp: ARRIVAL_MS / 1000,
      data: d.toString('base64'),
      kinesisSchemaVersion: '1.0',
      partitionKey: TRACE,
      sequenceNumber: String(first + i),
    },
  }));
}

const record = (body: unknown): Buffer => gzipSync(JSON.stringify(body));

/** A bucket in memory: every object put, by key. */
function bucket(fail: (key: string) => boolean = () => false): { objects: Map<string, Uint8Array>; put: PutObject } {
  const objects = new Map<string, Uint8Array>();
  return {
    objects,
    put: async (key, body) => {
      if (fail(key)) throw new Error(`refused ${key}`);
      objects.set(key, body);
    },
  };
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The span table's rows in these objects, read back as the command reads the archive (DuckDB). */
async function tableRows(objects: Map<string, Uint8Array>): Promise<Array<Record<string, unknown>>> {
  const dir = mkdtempSync(join(tmpdir(), 'hoptrace-consume-'));
  dirs.push(dir);
  for (const [key, body] of objects) {
    if (!key.startsWith('spans/')) continue;
    mkdirSync(dirname(join(dir, key)), { recursive: true });
    writeFileSync(join(dir, key), body);
  }
  const table = await openSpanTable(join(dir, 'spans'));
  try {
    return await table.select(
      'SELECT * EXCLUDE (start_time), epoch_ns(start_time)::VARCHAR AS start_ns FROM otel_traces ORDER BY span_id',
      [],
    );
  } finally {
    table.close();
  }
}

const quiet = { log: () => {} };

describe('span rows', () => {
  it('maps every column of a span, its resource and scope', () => {
    const [row] = spanRows(
      request([
        otlpSpan({
          traceId: TRACE,
          spanId: '1'.repeat(16),
          parentSpanId: '2'.repeat(16),
          traceState: 'v=1',
          name: 'GET /items',
          kind: 2,
          startTimeUnixNano: '1763779515123456789',
          endTimeUnixNano: '1763779515373456789',
          attributes: [
            { key: 'http.response.status_code', value: { intValue: '503' } },
            { key: 'faas.coldstart', value: { boolValue: true } },
            { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } } },
          ],
          events: [
            {
              timeUnixNano: '1763779515200000000',
              name: 'exception',
              attributes: [{ key: 'exception.type', value: { stringValue: 'Error' } }],
            },
          ],
          links: [{ traceId: 'b'.repeat(32), spanId: '3'.repeat(16), attributes: [] }],
          status: { code: 2, message: 'boom' },
        }),
      ]),
    );
    expect(row).toEqual({
      trace_id: TRACE,
      span_id: '1'.repeat(16),
      parent_span_id: '2'.repeat(16),
      trace_state: 'v=1',
      span_name: 'GET /items',
      span_kind: 'Server',
      service_name: 'orders',
      resource_attributes: { 'service.name': 'orders' },
      scope_name: 'test',
      scope_version: '1',
      span_attributes: {
        'http.response.status_code': '503',
        'faas.coldstart': 'true',
        tags: '["a",2]',
        'hoptrace.anyvalue': '{"tags":"array"}',
      },
      start_time: '2025-11-22T02:45:15.123456789Z',
      duration_ns: 250_000_000,
      status_code: 'Error',
      status_message: 'boom',
      events: [
        { time: '2025-11-22T02:45:15.200000000Z', name: 'exception', attributes: { 'exception.type': 'Error' } },
      ],
      links: [{ trace_id: 'b'.repeat(32), span_id: '3'.repeat(16), trace_state: '', attributes: {} }],
      tenant: null,
    });
  });

  it('takes the tenant from the ingest stamp on the resource', () => {
    const body = request([otlpSpan()]);
    body.resourceSpans[0]!.resource!.attributes!.push({ key: 'hoptrace.tenant', value: { stringValue: 'team-a' } });
    expect(spanRows(body)[0]!.tenant).toBe('team-a');
  });

  it('keeps nanoseconds in the timestamp, before 1970-01-02 too', () => {
    expect(nanosToIso('5')).toBe('1970-01-01T00:00:00.000000005Z');
    expect(nanosToIso('1700000000999999999')).toBe('2023-11-14T22:13:20.999999999Z');
  });
});

describe('the archive consumer', () => {
  it("writes one Parquet object per day of the batch's spans, named by its shard and first and last sequence numbers", async () => {
    const spans = [
      otlpSpan({ traceId: TRACE }),
      otlpSpan({ traceId: TRACE, startTimeUnixNano: '1699999999000000000', endTimeUnixNano: '1700000000000000000' }),
    ];
    const other = otlpSpan({ startTimeUnixNano: '1699900000000000000', endTimeUnixNano: '1699900001000000000' });
    const { objects, put } = bucket();
    const out = await archiveBatch(batch([record(request(spans)), record(request([other]))]), { put, ...quiet });
    expect(out).toEqual({ batchItemFailures: [] });
    expect([...objects.keys()].sort()).toEqual([
      `spans/dt=2023-11-13/${SHARD}-100-101.parquet`,
      `spans/dt=2023-11-14/${SHARD}-100-101.parquet`,
    ]);
    const rows = await tableRows(objects);
    expect(rows.map((r) => [r.span_id, r.dt]).sort()).toEqual(
      [
        [spans[0]!.spanId, '2023-11-14'],
        [spans[1]!.spanId, '2023-11-14'],
        [other.spanId, '2023-11-13'],
      ].sort(),
    );
  });

  it('writes the same objects again for a batch delivered again, not a second copy', async () => {
    const data = batch([record(request([otlpSpan()])), record(request([otlpSpan(), otlpSpan()]))], 7);
    const first = bucket();
    const again = bucket();
    await archiveBatch(data, { put: first.put, ...quiet });
    await archiveBatch(data, { put: again.put, ...quiet });
    expect([...again.objects.keys()]).toEqual([...first.objects.keys()]);
    expect([...again.objects.values()]).toEqual([...first.objects.values()]);
  });

  it('keeps the bad records under the error prefix with a reason each, logged, and goes on with the rest', async () => {
    const logged: string[] = [];
    const good = record(request([otlpSpan()]));
    const bad = [
      Buffer.from('{"resourceSpans":[]}'),
      gzipSync('not json'),
      record({ hello: 'world' }),
      record(request([otlpSpan({ startTimeUnixNano: 17 })])),
      good.subarray(0, good.length - 6),
    ];
    const { objects, put } = bucket();
    const out = await archiveBatch(batch([...bad, good]), { put, log: (_m, f) => logged.push(String(f.reason)) });
    expect(out.batchItemFailures).toEqual([]);
    const reasons = [
      'not gzip (a stream record starts with 1f 8b)',
      expect.stringContaining('not JSON'),
      'JSON that is not an OTLP ExportTraceServiceRequest (no resourceSpans array)',
      'a span without string ids, name and decimal times',
      expect.stringContaining('gzip that does not decompress'),
    ];
    expect(logged).toEqual(reasons);
    const errors = objects.get(`errors/processing-failed/dt=2023-11-14/${SHARD}-100-105.jsonl`)!;
    const lines = Buffer.from(errors)
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Each keeps the record's bytes, to be read again once whatever wrote it is fixed.
    expect(lines.map((l) => Buffer.from(String(l.rawData), 'base64'))).toEqual(bad);
    expect(lines.map((l) => l.errorMessage)).toEqual(reasons);
    expect(lines.map((l) => l.eventID)).toEqual([100, 101, 102, 103, 104].map((n) => `${SHARD}:${n}`));
    expect((await tableRows(objects)).map((r) => r.span_id)).toHaveLength(1);
  });

  it('refuses a gzip bomb without inflating it', async () => {
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024, 0x20));
    const { objects, put } = bucket();
    await archiveBatch(batch([bomb]), { put, ...quiet });
    expect([...objects.keys()]).toEqual([`errors/processing-failed/dt=2023-11-14/${SHARD}-100-100.jsonl`]);
  });

  it('reports the records of an object it could not write as failed, and only those, so the stream delivers them again', async () => {
    const monday = otlpSpan({ startTimeUnixNano: '1699900000000000000', endTimeUnixNano: '1699900001000000000' });
    const tuesday = otlpSpan();
    const logged: Array<Record<string, unknown>> = [];
    const { objects, put } = bucket((key) => key.includes('dt=2023-11-13'));
    const out = await archiveBatch(
      batch([record(request([tuesday])), record(request([monday, tuesday])), record(request([tuesday]))]),
      { put, log: (_m, f) => logged.push(f) },
    );
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: '101' }]);
    expect([...objects.keys()]).toEqual([`spans/dt=2023-11-14/${SHARD}-100-102.parquet`]);
    expect(logged).toEqual([
      expect.objectContaining({ key: `spans/dt=2023-11-13/${SHARD}-100-102.parquet`, records: 1 }),
    ]);
  });

  it('reports the bad records as failed when the error prefix cannot be written, never dropped', async () => {
    const { put } = bucket((key) => key.startsWith('errors/'));
    const out = await archiveBatch(batch([record(request([otlpSpan()])), Buffer.from('poison')]), { put, ...quiet });
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: '101' }]);
  });

  it('writes nothing for a record of no spans, and nothing at all for an empty batch', async () => {
    const { objects, put } = bucket();
    expect(await archiveBatch(batch([record(request([]))]), { put, ...quiet })).toEqual({ batchItemFailures: [] });
    expect(await archiveBatch([], { put, ...quiet })).toEqual({ batchItemFailures: [] });
    expect(objects.size).toBe(0);
  });
});

describe('rows that fit, and partitions by each span', () => {
  it('cuts a single span whose row is over the bound, marked, rather than refusing it', async () => {
    const huge = otlpSpan({
      traceId: TRACE,
      attributes: [
        { key: 'body', value: { stringValue: 'x'.repeat(5 * 1024 * 1024) } },
        { key: 'small', value: { stringValue: 'kept' } },
      ],
      events: Array.from({ length: 300 }, (_, i) => ({
        timeUnixNano: '1700000000000000001',
        name: `e${i}`,
        attributes: [{ key: 'k', value: { stringValue: 'v'.repeat(100) } }],
      })),
    });
    const data = record(request([huge]));
    expect(data.length).toBeLessThan(40 * 1024);
    const { objects, put } = bucket();
    await archiveBatch(batch([data]), { put, ...quiet });
    const [row] = await tableRows(objects);
    const attributes = Object.fromEntries(
      (row!.span_attributes as unknown as Array<{ key: string; value: string }>).map((kv) => [kv.key, kv.value]),
    );
    expect(attributes.body!.length).toBe(8192);
    expect(attributes.small).toBe('kept');
    expect(row!.events).toHaveLength(128);
    expect(attributes[HoptraceAttribute.Truncated]).toBe(
      'texts cut at 8192 characters: 1; dropped: 0 attributes, 172 events, 0 links',
    );
  });

  it('leaves a row within the bound as it is', () => {
    const [row] = spanRows(
      request([otlpSpan({ attributes: [{ key: 'pad', value: { stringValue: 'x'.repeat(10_000) } }] })]),
    );
    expect(capRow(row!, MAX_ROW_BYTES).row).toBe(row);
  });

  it('cuts harder until the row fits, down to a row of a few hundred bytes', () => {
    const [row] = spanRows(
      request([
        otlpSpan({
          name: 'n'.repeat(100_000),
          attributes: Array.from({ length: 500 }, (_, i) => ({
            key: `k${i}`,
            value: { stringValue: 'v'.repeat(2000) },
          })),
        }),
      ]),
    );
    for (const max of [200_000, 20_000, 2_000]) {
      const capped = capRow(row!, max);
      expect(Buffer.byteLength(JSON.stringify(capped.row)) + 1).toBeLessThanOrEqual(max);
      expect(Buffer.byteLength(capped.line)).toBeLessThanOrEqual(max);
      expect(capped.row.span_attributes[HoptraceAttribute.Truncated]).toMatch(/^texts cut at \d+ characters/);
    }
  });

  it('partitions each span by its own start, and one without a sane start by when the stream received it, marked', async () => {
    const today = otlpSpan({
      traceId: TRACE,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000500000000',
    });
    const zero = otlpSpan({ traceId: TRACE, startTimeUnixNano: '0', endTimeUnixNano: '1700000000500000000' });
    const { objects, put } = bucket();
    await archiveBatch(batch([record(request([today, zero]))]), { put, ...quiet });
    expect([...objects.keys()]).toEqual([`spans/dt=2023-11-14/${SHARD}-100-100.parquet`]);
    const rows = await tableRows(objects);
    expect(rows.find((r) => r.span_id === today.spanId)).toMatchObject({
      start_ns: '1700000000000000000',
      duration_ns: 500_000_000,
    });
    const placed = rows.find((r) => r.span_id === zero.spanId)!;
    expect(placed).toMatchObject({ start_ns: `${ARRIVAL_MS}000000`, duration_ns: 0 });
    expect(placed.span_attributes).toContainEqual({ key: HoptraceAttribute.SentStartTime, value: '0' });
  });
});
