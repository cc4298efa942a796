/** One CloudWatch embedded metric format document: metrics of one dimension set, with their values in `fields`. */
export function emfLine(namespace: string, timestamp: number, dimensions: string[], metrics: Array<{ Name: string; Unit: string }>, fields: Record<string, unknown>): string {
  return JSON.stringify({ _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [dimensions], Metrics: metrics }] }, ...fields });
}
