import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openSpanTable } from '../../../../cli/src/archive/duckdb-table';
import { archiveBatch, placedRows, readRecord } from '../../../../handlers/archive/consume';
import { exportRequest, otlpSpan } from '../../../helpers/otlp-payload';

// Attribute keys reach the span table as sent, case included: `userId` alone, and `userId`
// beside `userid`, through the archive function's rows and the Parquet it writes, read back
// as the command reads the archive (DuckDB). (Firehose's OpenX JSON SerDe lowercased them
// unless told not to; the archive now writes Parquet itself, with nothing in between.)

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// When the stream received the record: the spans' own start, so their times are kept as sent.
const SENT_AT_MS = 1_700_000_000_000;
const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } });
const SPANS = {
  alone: otlpSpan({ spanId: '1'.repeat(16), attributes: [attribute('userId', 'u-1')] }),
  both: otlpSpan({ spanId: '2'.repeat(16), attributes: [attribute('userId', 'u-2'), attribute('userid', 'legacy-2')] }),
};

function recordData(): Buffer {
  const request = exportRequest(Object.values(SPANS), 'accounts');
  (request.resourceSpans as Array<{ resource: { attributes: unknown[] } }>)[0]!.resource.attributes.push(
    attribute('deployment.Region', 'EU'),
    attribute('deployment.region', 'eu'),
  );
  return gzipSync(JSON.stringify(request));
}

describe('attribute keys keep their case', () => {
  it("in the archive function's rows", () => {
    const rows = placedRows(readRecord(recordData()), SENT_AT_MS);
    const bySpan = new Map(rows.map((r) => [r.span_id, r]));
    expect(bySpan.get(SPANS.alone.spanId as string)!.span_attributes).toEqual({ userId: 'u-1' });
    expect(bySpan.get(SPANS.both.spanId as string)!.span_attributes).toEqual({ userId: 'u-2', userid: 'legacy-2' });
    expect(rows[0]!.resource_attributes).toMatchObject({ 'deployment.Region': 'EU', 'deployment.region': 'eu' });
  });

  it('in the Parquet the archive writes, looked up by either spelling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hoptrace-case-'));
    dirs.push(dir);
    const data = recordData().toString('base64');
    await archiveBatch(
      [
        {
          awsRegion: 'us-east-1',
          eventID: 'shardId-000000000000:1',
          eventName: 'aws:kinesis:record',
          eventSource: 'aws:kinesis',
          eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
          eventVersion: '1.0',
          invokeIdentityArn: 'arn:aws:iam::000000000000:role/r',
          kinesis: {
            approximateArrivalTimestamp: SENT_AT_MS / 1000,
            data,
            kinesisSchemaVersion: '1.0',
            partitionKey: 'a'.repeat(32),
            sequenceNumber: '1',
          },
        },
      ],
      {
        put: async (key, body) => {
          mkdirSync(dirname(join(dir, key)), { recursive: true });
          writeFileSync(join(dir, key), body);
        },
      },
    );
    const table = await openSpanTable(join(dir, 'spans'));
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
