import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { spansFromRecords } from '../../local/stream-spans';
import type { StoredRecord } from '../../local/kinesis';

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
  const body = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'hoptrace' }, spans: [span] }] }] };
  return { shardId: 's', partitionKey: TRACE, data: gzipSync(JSON.stringify(body)) };
}

describe('spansFromRecords', () => {
  it.each([
    ['after', [record(true), record(false)]],
    ['before', [record(false), record(true)]],
  ])('keeps a span\'s real end over the timeout guard\'s provisional copy that arrived %s it', (_order, records) => {
    const spans = spansFromRecords(records);
    expect(spans).toHaveLength(1);
    expect(spans[0]!.status).toEqual({ code: 0 });
    expect(spans[0]!.attributes['hoptrace.provisional']).toBeUndefined();
  });

  it('still drops a plain duplicate', () => {
    expect(spansFromRecords([record(false), record(false)])).toHaveLength(1);
    expect(spansFromRecords([record(true), record(true)])).toHaveLength(1);
  });
});
