// The example traces a `stats` row links to: a few trace ids per operation or function, the
// best by a score (the slowest span's duration, the latest failure's or cold start's time),
// ties by trace id. The archive's SQL picks them by the same rule (archive-sql.ts).

/** How many example traces a row keeps of each kind. */
export const EXAMPLES_PER_ROW = 3;

/** The best `EXAMPLES_PER_ROW` traces offered, each trace offered at most once with its score. */
export class Examples {
  private readonly best: Array<{ traceId: string; score: number }> = [];
  /** The trace being read and its best score so far (`note`). */
  private noted: string | undefined;
  private notedScore = 0;

  /** A span's score in a trace read whole before the next (the aggregator's order): the trace's best is offered once the next one starts. */
  note(traceId: string, score: number): void {
    if (traceId === this.noted) {
      if (score > this.notedScore) this.notedScore = score;
      return;
    }
    this.flush();
    this.noted = traceId;
    this.notedScore = score;
  }

  private flush(): void {
    if (this.noted !== undefined) this.offer(this.noted, this.notedScore);
    this.noted = undefined;
  }

  offer(traceId: string, score: number): void {
    const at = this.best.findIndex((e) => score > e.score || (score === e.score && traceId < e.traceId));
    if (at === -1) {
      if (this.best.length < EXAMPLES_PER_ROW) this.best.push({ traceId, score });
      return;
    }
    this.best.splice(at, 0, { traceId, score });
    if (this.best.length > EXAMPLES_PER_ROW) this.best.pop();
  }

  traceIds(): string[] {
    this.flush();
    return this.best.map((e) => e.traceId);
  }
}

/** Trace ids from (trace id, score) rows, best first, as `Examples` orders them. */
export function rankedTraceIds(rows: ReadonlyArray<{ traceId: string; score: number }>): string[] {
  const examples = new Examples();
  for (const row of rows) examples.offer(row.traceId, row.score);
  return examples.traceIds();
}
