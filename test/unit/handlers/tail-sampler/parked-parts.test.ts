import { describe, expect, it } from 'vitest';
import { decodeParkedParts, encodeParkedParts } from '../../../../handlers/tail-sampler/parked-parts';

const TRACE = 'a'.repeat(32);

describe("a trace's parked parts as one binary attribute", () => {
  it('gives back each part as it was parked: inline, in chunks, empty, with any record id', () => {
    const sequence = '49590338271490256608559692538361571095921575989136588898';
    const parts = [
      { recordId: `shardId-000000000000:${sequence}`, data: Buffer.from([0x1f, 0x8b, 8, 0]) },
      { recordId: 'shardId-000000000001:2', chunks: 3 },
      { recordId: 'ü:3', data: Buffer.alloc(0) },
    ];
    expect(decodeParkedParts(encodeParkedParts(parts), TRACE)).toEqual(parts);
    expect(decodeParkedParts(encodeParkedParts([]), TRACE)).toEqual([]);
  });

  it('reads the attribute as the SDK hands it, a view into a larger buffer', () => {
    const blob = encodeParkedParts([{ recordId: 's:1', data: Buffer.from('abc') }]);
    const larger = new Uint8Array(Buffer.concat([Buffer.from('xx'), blob]));
    expect(decodeParkedParts(larger.subarray(2), TRACE)).toEqual([{ recordId: 's:1', data: Buffer.from('abc') }]);
  });

  it('refuses an attribute cut short or of another layout, naming the trace', () => {
    const blob = encodeParkedParts([{ recordId: 's:1', data: Buffer.from('abcdef') }]);
    for (let cut = 1; cut < blob.length; cut++) {
      expect(() => decodeParkedParts(blob.subarray(0, cut), TRACE)).toThrow(`trace ${TRACE} are cut short`);
    }
    const other = Buffer.from(blob);
    other[2 + 3] = 7;
    expect(() => decodeParkedParts(other, TRACE)).toThrow('a part of unknown kind 7');
  });
});
