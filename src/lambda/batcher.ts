import type { OtlpExporter } from '../exporter/exporter';
import type { RecordingSpan } from '../tracer/span';

export interface BatchLimits {
  /** A batch is sent once it holds this many spans. */
  maxSpans: number;
  /** ... or once its oldest span has waited this long, in ms. */
  maxAgeMs: number;
  /** Each send gives up after this long, in ms. */
  timeoutMs: number;
}

/**
 * Background export for Lambda Managed Instances, where one process serves many invocations
 * at once and is never frozen: spans of all invocations are pooled and sent by size or age,
 * not once per invocation. Sends run one at a time.
 */
export class SpanBatcher {
  private spans: RecordingSpan[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly exporter: OtlpExporter,
    private readonly limits: BatchLimits,
  ) {}

  add(spans: readonly RecordingSpan[]): void {
    if (spans.length === 0) return;
    for (const span of spans) this.spans.push(span);
    if (this.spans.length >= this.limits.maxSpans) this.send();
    else this.timer ??= setTimeout(() => this.send(), this.limits.maxAgeMs).unref();
  }

  /** Sends everything pooled now; settles when every send so far has. */
  flush(deadlineMs: number): Promise<void> {
    this.send(deadlineMs);
    return this.sending;
  }

  /**
   * Queues the pooled spans behind the sends before them. A batch's time starts when its own
   * send does: one queued behind a slow send still gets its whole timeout. A shutdown's
   * deadline holds for every batch.
   */
  private send(deadlineMs?: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.spans.length === 0) return;
    const batch = this.spans;
    this.spans = [];
    this.sending = this.sending.then(() =>
      this.exporter.export(batch, deadlineMs ?? Date.now() + this.limits.timeoutMs),
    );
  }
}
