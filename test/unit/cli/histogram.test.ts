import { describe, expect, it } from 'vitest';
import { BUCKET_BOUNDS_MS, bucketOf, histogramOf, histogramOfSorted } from '../../../cli/src/analysis/histogram';
import { sortedCopy } from '../../../cli/src/analysis/percentiles';

describe('histogramOfSorted', () => {
  it('counts sorted durations as bucketOf does, bounds and beyond the last included', () => {
    const durations = [
      0,
      ...BUCKET_BOUNDS_MS,
      ...BUCKET_BOUNDS_MS.map((b) => b * 1.0001),
      2.5,
      2.5,
      2.5,
      7e7,
      1e9,
      0.0004,
      3,
    ];
    const counts = new Map<number, number>();
    for (const d of durations) counts.set(bucketOf(d), (counts.get(bucketOf(d)) ?? 0) + 1);
    expect(histogramOfSorted(sortedCopy(durations))).toEqual(histogramOf(counts));
    expect(histogramOfSorted([])).toEqual([]);
  });
});
