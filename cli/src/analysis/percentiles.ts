/**
 * The nearest-rank percentile of values sorted ascending: the smallest value with at least
 * p% of the values at or below it. Exact on the data read; 0 for no data.
 */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Values sorted ascending, as numbers (a plain array sort compares them as strings). */
export function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}
