import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { capRow } from '../../../../handlers/archive/row-limits';
import { HoptraceAttribute } from '../../../../src/otlp/hoptrace-attributes';
import {
  OUTPUT_BUDGET_BYTES,
  transform,
  type FirehoseTransformationEvent,
} from '../../../../handlers/archive/transform';
import { nanosToIso, spanRows, type SpanRow } from '../../../../span-table/rows';
import type { PutRecords } from '../../../../handlers/ingest/kinesis-writer';
import type { OtlpExportRequest } from '../../../../src/otlp/types';
import { exportRequest, hex, otlpSpan } from '../../../helpers/otlp-payload';

const TRACE = 'a'.repeat(32);

function request(spans: Array<Record<string, unknown>>, service = 'orders'): OtlpExportRequest {
  return exportRequest(spans, service) as unknown as OtlpExportRequest;
}

// When the stream received the test records: the helpers' spans start at 1700000000 s.
const ARRIVAL_MS = 1_700_000_060_000;

function event(...datas: Buffer[]): FirehoseTransformationEvent {
  return {
    records: datas.map((d, i) => ({
      recordId: `r${i}`,
      data: d.toString('base64'),
      approximateArrivalTimestamp: ARRIVAL_MS,
    })),
  };
}

const record = (body: unknown): Buffer => gzipSync(JSON.stringify(body));

function decodeRows(data: string): SpanRow[] {
  return Buffer.from(data, 'base64')
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SpanRow);
}

const refusingPut: PutRecords = async () => {
  throw new Error('no stream in a unit test');
};

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

describe('the Firehose transformation', () => {
  it('turns each record into its rows, partitioned by the day its first span started', async () => {
    const spans = [
      otlpSpan({ traceId: TRACE }),
      otlpSpan({ traceId: TRACE, startTimeUnixNano: '1699999999000000000', endTimeUnixNano: '1700000000000000000' }),
    ];
    const out = await transform(event(record(request(spans))), {
      streamName: 's',
      putRecords: refusingPut,
      deadlineMs: Date.now() + 1000,
    });
    expect(out.records).toHaveLength(1);
    const [r] = out.records;
    expect(r!.result).toBe('Ok');
    expect(r!.metadata).toEqual({ partitionKeys: { dt: '2023-11-14' } });
    expect(decodeRows(r!.data).map((row) => row.span_id)).toEqual(spans.map((s) => s.spanId));
  });

  it('fails only the bad records, each with a reason logged, and goes on with the rest', async () => {
    const logged: string[] = [];
    const good = record(request([otlpSpan()]));
    const out = await transform(
      event(
        Buffer.from('{"resourceSpans":[]}'),
        gzipSync('not json'),
        record({ hello: 'world' }),
        record(request([otlpSpan({ startTimeUnixNano: 17 })])),
        good.subarray(0, good.length - 6),
        good,
      ),
      {
        streamName: 's',
        putRecords: refusingPut,
        deadlineMs: Date.now() + 1000,
        log: (_m, f) => logged.push(String(f.reason)),
      },
    );
    expect(out.records.map((r) => r.result)).toEqual([
      'ProcessingFailed',
      'ProcessingFailed',
      'ProcessingFailed',
      'ProcessingFailed',
      'ProcessingFailed',
      'Ok',
    ]);
    // A failed record keeps its bytes, for Firehose's error prefix.
    expect(out.records[0]!.data).toBe(Buffer.from('{"resourceSpans":[]}').toString('base64'));
    expect(logged).toEqual([
      'not gzip (a stream record starts with 1f 8b)',
      expect.stringContaining('not JSON'),
      'JSON that is not an OTLP ExportTraceServiceRequest (no resourceSpans array)',
      'a span without string ids, name and decimal times',
      expect.stringContaining('gzip that does not decompress'),
    ]);
  });

  it('refuses a gzip bomb without inflating it', async () => {
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024, 0x20));
    const out = await transform(event(bomb), {
      streamName: 's',
      putRecords: refusingPut,
      deadlineMs: Date.now() + 1000,
      log: () => {},
    });
    expect(out.records[0]!.result).toBe('ProcessingFailed');
  });

  it('puts a record too large for the answer back into the stream, split, and drops it only then', async () => {
    const put: Array<{ PartitionKey: string; Data: Uint8Array }> = [];
    const putRecords: PutRecords = async (input) => {
      put.push(...input.Records);
      return { FailedRecordCount: 0, Records: input.Records.map(() => ({})) };
    };
    const big = request(
      Array.from({ length: 40 }, () =>
        otlpSpan({ traceId: TRACE, attributes: [{ key: 'pad', value: { stringValue: 'x'.repeat(500) } }] }),
      ),
    );
    const small = request([otlpSpan()]);
    const out = await transform(event(record(small), record(big)), {
      streamName: 's',
      putRecords,
      deadlineMs: Date.now() + 1000,
      outputBudgetBytes: 8 * 1024,
      log: () => {},
    });
    expect(out.records.map((r) => r.result)).toEqual(['Ok', 'Dropped']);
    expect(put.length).toBeGreaterThan(2);
    const again = put.flatMap((p) => spanRows(JSON.parse(gunzipSync(p.Data).toString()) as OtlpExportRequest));
    expect(again.map((r) => r.span_id).sort()).toEqual(
      big.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.spanId).sort(),
    );
    expect(put.every((p) => p.PartitionKey === TRACE)).toBe(true);
    // Each part comes back small enough for an answer of its own.
    for (const p of put) {
      const rows = spanRows(JSON.parse(gunzipSync(p.Data).toString()) as OtlpExportRequest);
      expect(rows.map((r) => `${JSON.stringify(r)}\n`).join('').length).toBeLessThanOrEqual(8 * 1024);
    }
  });

  it('moves records that fit alone but not in this answer back as they are', async () => {
    const put: Buffer[] = [];
    const putRecords: PutRecords = async (input) => {
      put.push(...input.Records.map((r) => Buffer.from(r.Data)));
      return { FailedRecordCount: 0, Records: input.Records.map(() => ({})) };
    };
    // Each row within half the budget (larger ones are cut): two fit, the third waits for another answer.
    const [one, two, three] = ['x', 'y', 'z'].map((c) =>
      record(request([otlpSpan({ attributes: [{ key: 'pad', value: { stringValue: c.repeat(2000) } }] })])),
    );
    const out = await transform(event(one!, two!, three!), {
      streamName: 's',
      putRecords,
      deadlineMs: Date.now() + 1000,
      outputBudgetBytes: 5000,
      log: () => {},
    });
    expect(out.records.map((r) => r.result)).toEqual(['Ok', 'Ok', 'Dropped']);
    expect(put).toEqual([three]);
  });

  it('keeps a record it could not put back as ProcessingFailed, never dropped', async () => {
    const big = record(request(Array.from({ length: 20 }, () => otlpSpan({ traceId: hex(16) }))));
    const out = await transform(event(big), {
      streamName: 's',
      putRecords: refusingPut,
      deadlineMs: Date.now() + 100,
      outputBudgetBytes: 1000,
      log: () => {},
    });
    expect(out.records[0]!.result).toBe('ProcessingFailed');
    expect(out.records[0]!.data).toBe(big.toString('base64'));
  });
});

describe('rows that fit, partitions by each span, and the answer budget', () => {
  const accepting =
    (put: Buffer[]): PutRecords =>
    async (input) => {
      put.push(...input.Records.map((r) => Buffer.from(r.Data)));
      return { FailedRecordCount: 0, Records: input.Records.map(() => ({})) };
    };
  const answerBytes = (records: Array<{ data: string }>): number => records.reduce((n, r) => n + r.data.length, 0);

  it('cuts a single span whose row is over the budget to fit, marked, and answers it rather than putting it back', async () => {
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
    const put: Buffer[] = [];
    const out = await transform(event(data), {
      streamName: 's',
      putRecords: accepting(put),
      deadlineMs: Date.now() + 1000,
      log: () => {},
    });
    expect(out.records.map((r) => r.result)).toEqual(['Ok']);
    expect(put).toEqual([]);
    const [row] = decodeRows(out.records[0]!.data);
    expect(JSON.stringify(row).length).toBeLessThanOrEqual(OUTPUT_BUDGET_BYTES / 2);
    expect(row!.span_attributes.body!.length).toBe(8192);
    expect(row!.span_attributes.small).toBe('kept');
    expect(row!.events).toHaveLength(128);
    expect(row!.span_attributes[HoptraceAttribute.Truncated]).toBe(
      'texts cut at 8192 characters: 1; dropped: 0 attributes, 172 events, 0 links',
    );
  });

  it('leaves a row within the budget as it is', () => {
    const [row] = spanRows(
      request([otlpSpan({ attributes: [{ key: 'pad', value: { stringValue: 'x'.repeat(10_000) } }] })]),
    );
    expect(capRow(row!, 1 << 20).row).toBe(row);
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
    const out = await transform(event(record(request([today, zero]))), {
      streamName: 's',
      putRecords: refusingPut,
      deadlineMs: Date.now() + 1000,
      log: () => {},
    });
    expect(out.records.map((r) => [r.result, r.metadata?.partitionKeys.dt])).toEqual([['Ok', '2023-11-14']]);
    const rows = decodeRows(out.records[0]!.data);
    expect(rows.find((r) => r.span_id === today.spanId)).toMatchObject({
      start_time: '2023-11-14T22:13:20.000000000Z',
      duration_ns: 500_000_000,
    });
    expect(rows.find((r) => r.span_id === zero.spanId)).toMatchObject({
      start_time: nanosToIso(`${ARRIVAL_MS}000000`),
      duration_ns: 0,
      span_attributes: { [HoptraceAttribute.SentStartTime]: '0' },
    });
  });

  it('puts a record of spans from several days back as one record per day, each answered in its own partition', async () => {
    const monday = otlpSpan({
      traceId: TRACE,
      startTimeUnixNano: '1699900000000000000',
      endTimeUnixNano: '1699900001000000000',
    });
    const tuesday = otlpSpan({
      traceId: TRACE,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000001000000000',
    });
    const put: Buffer[] = [];
    const first = await transform(event(record(request([monday, tuesday]))), {
      streamName: 's',
      putRecords: accepting(put),
      deadlineMs: Date.now() + 1000,
      log: () => {},
    });
    expect(first.records.map((r) => r.result)).toEqual(['Dropped']);
    expect(put).toHaveLength(2);
    const second = await transform(event(...put), {
      streamName: 's',
      putRecords: refusingPut,
      deadlineMs: Date.now() + 1000,
      log: () => {},
    });
    const answered = second.records.map((r) => [
      r.result,
      r.metadata?.partitionKeys.dt,
      decodeRows(r.data).map((row) => row.span_id),
    ]);
    expect(answered.sort((x, y) => String(x[1]).localeCompare(String(y[1])))).toEqual([
      ['Ok', '2023-11-13', [monday.spanId]],
      ['Ok', '2023-11-14', [tuesday.spanId]],
    ]);
  });

  it('counts the records it cannot read in the answer budget, and puts those with no room back', async () => {
    const bad = [1, 2, 3].map((i) => Buffer.alloc(1500, i));
    const put: Buffer[] = [];
    const out = await transform(event(...bad), {
      streamName: 's',
      putRecords: accepting(put),
      deadlineMs: Date.now() + 1000,
      outputBudgetBytes: 3000,
      log: () => {},
    });
    expect(out.records.map((r) => r.result)).toEqual(['ProcessingFailed', 'ProcessingFailed', 'Dropped']);
    expect(put).toEqual([bad[2]]);
    expect(answerBytes(out.records)).toBeLessThanOrEqual(Math.ceil((3000 * 4) / 3));
  });
});
