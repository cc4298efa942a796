import { describe, expect, it } from 'vitest';
import { ASSUMPTIONS, billedBytes, type CostFigures, costPerMillion, PRICES } from '../../../bench/lambda-cost';

describe('the cost model: stream bytes as AWS bills them', () => {
  it('rounds each record up on its own: 1 KB for Kinesis on-demand data in, 5 KB for Firehose', () => {
    // One trace of the bench's handler is a record of about 813 bytes.
    expect(billedBytes([813], PRICES.kinesisRecordRoundingBytes)).toBe(1024);
    expect(billedBytes([813], PRICES.firehoseRecordRoundingBytes)).toBe(5120);
    expect(billedBytes([813, 1024, 1025], PRICES.kinesisRecordRoundingBytes)).toBe(1024 + 1024 + 2048);
    expect(billedBytes([], PRICES.kinesisRecordRoundingBytes)).toBe(0);
  });
});

describe('the cost model: the archive as the deployed Firehose bills it', () => {
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
    firehoseBilledBytesPerInvocation: billedBytes([recordBytes], PRICES.firehoseRecordRoundingBytes),
    streamBytesPerInvocation: recordBytes,
  });
  const archive = { parquetBytesPerSpan: 0, spansPerSecond: Number.POSITIVE_INFINITY };
  const perMillionGb = (bytes: number): number => (bytes * 1e6) / 2 ** 30;

  it('bills data in and the Parquet conversion on 5 KB per record, and the stream read by the archive', () => {
    const line = costPerMillion('50/s', figures(50, 813), figures(50, 0), archive);
    const firehose = perMillionGb(5120) * (PRICES.firehosePerGbIn + PRICES.firehoseFormatConversionPerGb);
    const objects =
      (1e6 / 50 / ASSUMPTIONS.archiveBufferSeconds / 1000) *
      (PRICES.firehosePartitioningPerThousandObjects + PRICES.s3PutPerThousand);
    expect(line.archive).toBeCloseTo(firehose + objects, 6);
    expect(line.stream).toBeCloseTo(
      perMillionGb(1024) * PRICES.kinesisOnDemandPerGbIn + perMillionGb(813) * PRICES.kinesisOnDemandPerGbRetrieved,
      6,
    );
  });

  it('counts the objects a sparse sandbox makes, the partitioning per GB delivered and the archive function', () => {
    const sparse = costPerMillion('1/min', figures(1 / 60, 813), figures(1 / 60, 0), archive);
    const busy = costPerMillion('50/s', figures(50, 813), figures(50, 0), archive);
    expect(sparse.archive - busy.archive).toBeCloseTo(
      ((1e6 * 60 - 1e6 / 50) / ASSUMPTIONS.archiveBufferSeconds / 1000) *
        (PRICES.firehosePartitioningPerThousandObjects + PRICES.s3PutPerThousand),
      6,
    );
    const heavier = costPerMillion('50/s', figures(50, 813), figures(50, 0), {
      parquetBytesPerSpan: 100,
      spansPerSecond: 10_000,
    });
    const parquetGb = perMillionGb(100 * 4);
    expect(heavier.archive - busy.archive).toBeCloseTo(
      parquetGb * (PRICES.firehosePartitioningPerGbDelivered + PRICES.s3PerGbMonth * ASSUMPTIONS.archiveMonths) +
        ((4 * 1e6) / 10_000) * ASSUMPTIONS.archiveMemoryGb * PRICES.lambdaGbSecondArm,
      6,
    );
  });
});
