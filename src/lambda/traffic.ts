/**
 * Whether an invocation is likely to follow soon, from the starts of the last few: the idea of
 * Datadog's extension, which flushes at the end of each invocation until the recent ones come
 * close together, then on an interval. Frequent: the last `window - 1` gaps are all within
 * `intervalMs`, so the next invocation will very likely come in time to carry the export.
 */
export class TrafficHistory {
  private readonly starts: number[] = [];

  constructor(
    private readonly intervalMs: number,
    private readonly window = 4,
  ) {}

  invoked(atMs: number): void {
    this.starts.push(atMs);
    if (this.starts.length > this.window) this.starts.shift();
  }

  frequent(): boolean {
    if (this.starts.length < this.window) return false;
    for (let i = 1; i < this.starts.length; i++) if (this.starts[i]! - this.starts[i - 1]! > this.intervalMs) return false;
    return true;
  }
}
