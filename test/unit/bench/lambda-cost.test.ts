import { describe, expect, it } from 'vitest';
import { billedBytes, PRICES } from '../../../bench/lambda-cost';

describe('the cost model: stream bytes as AWS bills them', () => {
  it('rounds each record up on its own: 1 KB for Kinesis on-demand data in, 5 KB for Firehose', () => {
    // One trace of the bench's handler is a record of about 813 bytes.
    expect(billedBytes([813], PRICES.kinesisRecordRoundingBytes)).toBe(1024);
    expect(billedBytes([813], PRICES.firehoseRecordRoundingBytes)).toBe(5120);
    expect(billedBytes([813, 1024, 1025], PRICES.kinesisRecordRoundingBytes)).toBe(1024 + 1024 + 2048);
    expect(billedBytes([], PRICES.kinesisRecordRoundingBytes)).toBe(0);
  });
});
