import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openSpanTable, writeSpanTable } from '../../../../cli/src/archive/duckdb-table';
import type { SpanRow } from '../../../../span-table/rows';
import { transform } from '../../../../handlers/archive/transform';
import { exportRequest, otlpSpan } from '../../../helpers/otlp-payload';

// Attribute keys reach the span table as sent, case included: `userId` alone, and `userId`
// beside `userid`, through the archive function's rows and the local DuckDB table. (On AWS,
// Firehose's OpenX JSON SerDe keeps them only with CaseInsensitive: false, which the packaged
// template's test checks; Firehose itself cannot run here.)

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// When Firehose received the record: the spans' own start, so their times are kept as sent.
const SENT_AT_MS = 1_700_000_000_000;
const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } });
const SPANS = {
  alone: otlpSpan({ spanId: '1'.repeat(16), attributes: [attribute('userId', 'u-1')] }),
  both: otlpSpan({ spanId: '2'.repeat(16), attributes: [attribute('userId', 'u-2'), attribute('userid', 'legacy-2')] }),
};

async function rowsThroughTheArchiveFunction(): Promise<SpanRow[]> {
  const request = exportRequest(Object.values(SPANS), 'accounts');
  (request.resourceSpans as Array<{ resource: { attributes: unknown[] } }>)[0]!.resource.attributes.push(
    attribute('deployment.Region', 'EU'),
    attribute('deployment.region', 'eu'),
  );
  const data = gzipSync(JSON.stringify(request)).toString('base64');
  const put = async (): Promise<never> => {
    throw new Error('nothing is put back in this test');
  };
  const { records } = await transform(
    { records: [{ recordId: 'r', data, approximateArrivalTimestamp: SENT_AT_MS }] },
    { streamName: 's', putRecords: put, deadlineMs: 1000 },
  );
  expect(records[0]!.result).toBe('Ok');
  return Buffer.from(records[0]!.data, 'base64')
    .toString('utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as SpanRow);
}

describe('attribute keys keep their case', () => {
  it("in the archive function's rows", async () => {
    const rows = await rowsThroughTheArchiveFunction();
    const bySpan = new Map(rows.map((r) => [r.span_id, r]));
    expect(bySpan.get(SPANS.alone.spanId as string)!.span_attributes).toEqual({ userId: 'u-1' });
    expect(bySpan.get(SPANS.both.spanId as string)!.span_attributes).toEqual({ userId: 'u-2', userid: 'legacy-2' });
    expect(rows[0]!.resource_attributes).toMatchObject({ 'deployment.Region': 'EU', 'deployment.region': 'eu' });
  });

  it('in the local span table, looked up by either spelling', async () => {
    const rows = await rowsThroughTheArchiveFunction();
    const dir = mkdtempSync(join(tmpdir(), 'hoptrace-case-'));
    dirs.push(dir);
    await writeSpanTable([{ partition: '2023-11-14', rows }], dir);
    const table = await openSpanTable(dir);
    try {
      const found = await table.select(
        `SELECT span_id, span_attributes['userId'] AS upper, span_attributes['userid'] AS lower, cardinality(span_attributes) AS keys,
                resource_attributes['deployment.Region'] AS region FROM otel_traces ORDER BY span_id`,
        [],
      );
      expect(found).toEqual([
        { span_id: SPANS.alone.spanId, upper: 'u-1', lower: null, keys: 1, region: 'EU' },
        { span_id: SPANS.both.spanId, upper: 'u-2', lower: 'legacy-2', keys: 2, region: 'EU' },
      ]);
    } finally {
      table.close();
    }
  });
});
