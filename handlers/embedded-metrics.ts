// CloudWatch embedded metric format (EMF): one JSON document per log line, its metrics
// extracted by CloudWatch Logs. Written by the tail sampler and the ingest.

export interface MetricDefinition {
  Name: string;
  Unit: 'Count' | 'Milliseconds' | 'None';
}

/** Values with counts: a distribution CloudWatch takes percentiles of. */
export interface Distribution {
  Values: number[];
  Counts: number[];
}

// CloudWatch takes at most 100 distinct values per metric in one document.
const MAX_VALUES = 100;

/**
 * One EMF document: `fields` holds the dimension values and the metrics' values. `rollups` are
 * coarser dimension sets CloudWatch also files the metrics under (a service's figures over all
 * its operations), from the same values.
 */
export function emfLine(
  namespace: string,
  timestamp: number,
  dimensions: readonly string[],
  metrics: readonly MetricDefinition[],
  fields: Record<string, unknown>,
  rollups: ReadonlyArray<readonly string[]> = [],
): string {
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [dimensions, ...rollups], Metrics: metrics }],
    },
    ...fields,
  });
}

/** Value → count as distributions of at most 100 values each, one per document. */
export function distributions(counts: ReadonlyMap<number, number>): Distribution[] {
  const entries = [...counts];
  const out: Distribution[] = [];
  for (let i = 0; i < entries.length; i += MAX_VALUES) {
    const slice = entries.slice(i, i + MAX_VALUES);
    out.push({ Values: slice.map(([v]) => v), Counts: slice.map(([, c]) => c) });
  }
  return out;
}

/** Adds one value to a value → count map. */
export function tally(counts: Map<number, number>, value: number): void {
  counts.set(value, (counts.get(value) ?? 0) + 1);
}
