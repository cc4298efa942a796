import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { spansFromRecords, type StoredRecord } from '../../../testing/kinesis';

const TRACE = 'a'.repeat(32);

/** One stream record holding one copy of the root span: provisional (the guard's) or real. */
function record(provisional: boolean): StoredRecord {
  const span = {
    traceId: TRACE,
    spanId: 'b'.repeat(16),
    name: 'invocation',
    kind: 2,
    startTimeUnixNano: '1000000',
    endTimeUnixNano: provisional ? '2000000' : '2500000',
    attributes: provisional ? [{ key: 'hoptrace.provisional', value: { boolValue: true } }] : [],
    status: provisional ? { code: 2, message: 'timed out' } : { code: 0 },
  };
  const body = {
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'hoptrace' }, spans: [span] }] }],
  };
  return { shardId: 's', partitionKey: TRACE, data: gzipSync(JSON.stringify(body)) };
}

describe("the read side, on the timeout guard's provisional copies", () => {
  it.each([
    ['after', [record(true), record(false)]],
    ['before', [record(false), record(true)]],
  ])("keeps a span's real end over the provisional copy that arrived %s it", async (_order, records) => {
    const spans = await spansFromRecords(records);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.status).toBe('unset');
    expect(spans[0]!.durationMs).toBe(1.5);
    expect(spans[0]!.attributes['hoptrace.provisional']).toBeUndefined();
  });

  it('still drops a plain duplicate', async () => {
    expect(await spansFromRecords([record(false), record(false)])).toHaveLength(1);
    expect(await spansFromRecords([record(true), record(true)])).toHaveLength(1);
  });
});
