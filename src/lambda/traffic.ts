/**
 * Whether an invocation is likely to follow soon, from the last few idle gaps: the idea of
 * Datadog's extension, which flushes at the end of each invocation until the recent ones come
 * close together, then on an interval. A gap runs from the end of an invocation's work (its
 * export included, so that a slow export does not make traffic look sporadic) to the start of
 * the next. Frequent: the last `window` gaps are all within `intervalMs`, so the next
 * invocation will very likely come in time to carry the export.
 */
export class TrafficHistory {
  private readonly gaps: number[] = [];
  private idleSinceMs: number | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly window = 3,
  ) {}

  invoked(atMs: number): void {
    if (this.idleSinceMs !== undefined) this.gaps.push(atMs - this.idleSinceMs);
    if (this.gaps.length > this.window) this.gaps.shift();
    this.idleSinceMs = undefined;
  }

  /** The invocation's work is done: the sandbox waits for the next one. */
  idle(atMs: number): void {
    this.idleSinceMs = atMs;
  }

  frequent(): boolean {
    return this.gaps.length === this.window && this.gaps.every((gap) => gap <= this.intervalMs);
  }
}
