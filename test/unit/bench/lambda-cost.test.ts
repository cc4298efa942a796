import { describe, expect, it } from 'vitest';
import { ASSUMPTIONS, billedBytes, type CostFigures, costPerMillion, PRICES } from '../../../bench/lambda-cost';

describe('the cost model: stream bytes as AWS bills them', () => {
  it('rounds each record up on its own to 1 KB for Kinesis on-demand data in', () => {
    // One trace of the bench's handler is a record of about 813 bytes.
    expect(billedBytes([813], PRICES.kinesisRecordRoundingBytes)).toBe(1024);
    expect(billedBytes([813, 1024, 1025], PRICES.kinesisRecordRoundingBytes)).toBe(1024 + 1024 + 2048);
    expect(billedBytes([], PRICES.kinesisRecordRoundingBytes)).toBe(0);
  });
});

describe('the cost model: the archive as the deployed stream consumer bills it (no Firehose)', () => {
  const figures = (rate: number, recordBytes: number): CostFigures => ({
    variant: 'hoptrace',
    rate,
    invocations: 1000,
    billedMs: 2,
    afterResponseMs: 0.5,
    requestsPerInvocation: 0,
    cpuMsPerInvocation: 1,
    spansLost: 0,
    latencyP50Ms: 0,
    latencyMaxMs: 0,
    spansAtShutdown: 0,
    recordsPerInvocation: 1,
    kinesisBilledBytesPerInvocation: billedBytes([recordBytes], PRICES.kinesisRecordRoundingBytes),
    streamBytesPerInvocation: recordBytes,
  });
  const archive = { parquetBytesPerSpan: 0, spansPerSecond: Number.POSITIVE_INFINITY };

  it('bills a busy sandbox one invocation and one PUT per batch, batches as full as an invocation takes', () => {
    const line = costPerMillion('50/s', figures(50, 813), figures(50, 0), archive);
    // 813 MB of records per million traces, 4.5 MiB a batch: 172.3 batches, more than the 66.7
    // batching windows of 300 s that a million invocations at 50/s span. Per batch: $0.2 per
    // million invocations, 50 ms of PUT at 1 GB arm64, and $0.005 per 1,000 PUTs.
    expect(line.archive).toBeCloseTo(0.00101081, 7);
    // Nothing by the record any more: Firehose billed each ~800-byte record as 5 KB, twice.
    expect(line.archive).toBeLessThan(0.002);
    expect(line.stream).toBeCloseTo(0.10658056, 7);
  });

  it('bills a sparse sandbox one batch per batching window, an upper bound for a fleet', () => {
    const sparse = costPerMillion('1/min', figures(1 / 60, 813), figures(1 / 60, 0), archive);
    // A million invocations a minute apart span 200,000 windows of 300 s.
    expect(1e6 * 60).toBe(200_000 * ASSUMPTIONS.archiveBatchWindowSeconds);
    expect(sparse.archive).toBeCloseTo((200_000 / 1e6) * 0.2 + 200_000 * 0.05 * 0.0000133334 + 200_000 * 0.000005, 6);
    expect(sparse.archive).toBeCloseTo(1.173334, 6);
  });

  it("counts the archive function's CPU and the Parquet kept", () => {
    const busy = costPerMillion('50/s', figures(50, 813), figures(50, 0), archive);
    const heavier = costPerMillion('50/s', figures(50, 813), figures(50, 0), {
      parquetBytesPerSpan: 100,
      spansPerSecond: 10_000,
    });
    // 400 MB of Parquet a month at $0.023 per GB-month, and 4 million spans at 10,000 per CPU second.
    expect(heavier.archive - busy.archive).toBeCloseTo(0.01390153, 7);
  });
});
