import { describe, expect, it } from 'vitest';
import { Progress } from '../../../cli/src/progress';
import type { ReadCounts } from '../../../cli/src/read/span-store';

const counts = (spans: number): ReadCounts => ({
  records: spans / 10,
  spans,
  duplicates: 0,
  skippedRecords: 0,
  skippedSpans: 0,
});

function terminal(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, write: (text: string) => written.push(text) > 0 } };
}

describe('progress line', () => {
  it('shows on a terminal once a read passes a few seconds, at most four times a second, and clears at the end', () => {
    let clock = 1_000;
    const { written, stream } = terminal(true);
    const progress = new Progress(stream, () => clock);
    progress.update(counts(10), 1);
    clock += 2_999;
    progress.update(counts(20), 2);
    expect(written).toEqual([]);
    clock += 1;
    progress.update(counts(1_200_000), 3);
    clock += 100;
    progress.update(counts(1_300_000), 4);
    expect(written).toEqual(['\r\x1b[2Kreading: 120,000 records, 1,200,000 spans, 3 traces (3 s)']);
    progress.done();
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });

  it('stays silent when stderr is not a terminal', () => {
    let clock = 0;
    const { written, stream } = terminal(false);
    const progress = new Progress(stream, () => clock);
    clock = 60_000;
    progress.update(counts(10), 1);
    progress.done();
    expect(written).toEqual([]);
  });
});
