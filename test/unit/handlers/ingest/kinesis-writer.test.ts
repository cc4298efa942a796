import { describe, expect, it } from 'vitest';
import { batches, writeRecords, type PutRecords } from '../../../../handlers/ingest/kinesis-writer';
import type { StreamRecord } from '../../../../handlers/ingest/records';

const record = (i: number, bytes = 10): StreamRecord => ({
  partitionKey: `k${i}`,
  data: Buffer.alloc(bytes, i % 256),
  spans: 1,
});
const instant = { sleep: async () => undefined, random: () => 0.5 };

/** A fake Kinesis that fails entries or calls by a script, and remembers what it stored. */
function fakeKinesis(
  fail: (attempt: number, key: string) => string | undefined,
  callError?: (attempt: number) => Error | undefined,
) {
  const stored: string[] = [];
  let calls = 0;
  const put: PutRecords = async ({ Records }) => {
    const attempt = calls++;
    const error = callError?.(attempt);
    if (error) throw error;
    const entries = Records.map((r) => {
      const code = fail(attempt, r.PartitionKey);
      if (code) return { ErrorCode: code, ErrorMessage: 'Rate exceeded' };
      stored.push(r.PartitionKey);
      return {};
    });
    return { FailedRecordCount: entries.filter((e) => e.ErrorCode).length, Records: entries };
  };
  return { put, stored, calls: () => calls };
}

describe('batches', () => {
  it('keeps calls to 500 records and 5 MiB', () => {
    expect(batches(Array.from({ length: 1201 }, (_, i) => record(i))).map((b) => b.length)).toEqual([500, 500, 201]);
    const big = Array.from({ length: 12 }, (_, i) => record(i, 1024 * 1024 - 100));
    const sizes = batches(big).map((b) => b.reduce((n, r) => n + r.data.length + r.partitionKey.length, 0));
    for (const size of sizes) expect(size).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect(sizes.length).toBe(3);
  });
});

describe('writeRecords', () => {
  it('resends only the entries that failed until all are in', () => {
    const kinesis = fakeKinesis((attempt, key) =>
      attempt < 2 && Number(key.slice(1)) % 3 === 0 ? 'ProvisionedThroughputExceededException' : undefined,
    );
    return writeRecords(
      Array.from({ length: 30 }, (_, i) => record(i)),
      's',
      kinesis.put,
      Date.now() + 10_000,
      instant,
    ).then((result) => {
      expect(result.failed).toHaveLength(0);
      expect(result.written).toBe(30);
      expect(new Set(kinesis.stored).size).toBe(30);
      expect(kinesis.stored).toHaveLength(30);
      expect(kinesis.calls()).toBe(3);
    });
  });

  it('retries a whole call that failed with InternalFailure', async () => {
    const kinesis = fakeKinesis(
      () => undefined,
      (attempt) => (attempt === 0 ? Object.assign(new Error('boom'), { name: 'InternalFailure' }) : undefined),
    );
    const result = await writeRecords([record(1), record(2)], 's', kinesis.put, Date.now() + 10_000, instant);
    expect(result.failed).toHaveLength(0);
    expect(kinesis.stored.sort()).toEqual(['k1', 'k2']);
  });

  it('gives up at once on a stream that does not exist', async () => {
    const kinesis = fakeKinesis(
      () => undefined,
      () => Object.assign(new Error('Stream x not found'), { name: 'ResourceNotFoundException' }),
    );
    const result = await writeRecords([record(1)], 's', kinesis.put, Date.now() + 10_000, instant);
    expect(result.failed).toHaveLength(1);
    expect(result.lastError).toContain('ResourceNotFoundException');
    expect(kinesis.calls()).toBe(1);
  });

  it('stops at the deadline and reports what is left', async () => {
    let clock = 0;
    const kinesis = fakeKinesis(() => 'ProvisionedThroughputExceededException');
    const result = await writeRecords([record(1), record(2)], 's', kinesis.put, 1000, {
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      random: () => 1,
    });
    expect(result.failed).toHaveLength(2);
    expect(result.written).toBe(0);
    expect(clock).toBeLessThan(1000);
    expect(result.lastError).toContain('ProvisionedThroughputExceededException');
  });

  it('starts no call after the deadline and aborts the one under way, the last batch included', async () => {
    let calls = 0;
    let aborted = 0;
    const hanging: PutRecords = (_input, signal) => {
      calls++;
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => {
          aborted++;
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        }),
      );
    };
    const result = await writeRecords(
      Array.from({ length: 1200 }, (_, i) => record(i)),
      's',
      hanging,
      Date.now() + 50,
      instant,
    );
    expect({ calls, aborted }).toEqual({ calls: 1, aborted: 1 });
    expect(result.failed).toHaveLength(1200);
    expect(result.lastError).toBe('the stream did not answer before the deadline');
  });

  it('stops waiting at the deadline for a client that ignores the abort', async () => {
    const deaf: PutRecords = () => new Promise(() => undefined);
    const result = await writeRecords([record(1)], 's', deaf, Date.now() + 30, instant);
    expect(result.failed).toHaveLength(1);
  });
});
