import type { OtlpExporter } from '../exporter/exporter';
import { nowMs } from '../tracer/time';
import type { Delivery, Handover } from './delivery';
import type { LambdaExtension } from './handoff';
import { settledWithin } from './settled-by';
import { TrafficHistory } from './traffic';

export interface BatchSettings {
  /** Under frequent traffic, an export at most this often, in ms (`HOPTRACE_EXPORT_INTERVAL_MS`). */
  intervalMs: number;
  /** A batch this large (bytes) goes at once, and the invocation waits for it. */
  maxBytes: number;
  /** Longest one export request may take, in awake ms. */
  requestTimeoutMs: number;
}

/**
 * hoptrace/lambda's export. After each response the invocation's spans join the sandbox's
 * batch, which is the spool: written to /tmp before the sandbox may freeze, so a runtime that
 * dies later loses none of them, and the next runtime of the sandbox sends them. The batch
 * leaves while the sandbox is awake anyway, one export at a time: at the start of an
 * invocation or after its response, once `intervalMs` has passed since the last export; an
 * export still in flight at the freeze finishes at the thaw. The invocation waits for the
 * export only when it must: traffic is sporadic (the next invocation may be far off), the
 * batch is at its size bound, or the sandbox shuts down.
 */
export class SandboxBatch implements Delivery {
  readonly name = 'after-response';
  private readonly traffic: TrafficHistory;
  private lastExportMs = nowMs();
  /** Invocations the extension let go before they were claimed: nothing holds their freeze. */
  private readonly unheld = new Set<string>();

  constructor(
    private readonly exporter: OtlpExporter,
    private readonly extension: LambdaExtension,
    private readonly settings: BatchSettings,
  ) {
    this.traffic = new TrafficHistory(settings.intervalMs);
  }

  begin(requestId: string | undefined): undefined {
    if (requestId !== undefined && !this.extension.claim(requestId)) this.unheld.add(requestId);
    this.traffic.invoked(nowMs());
    this.exportIfDue();
    return undefined;
  }

  async deliver(handover: Handover): Promise<void> {
    const work = async (): Promise<void> => {
      await Promise.all(handover.pending);
      // No spool (turned off, or no endpoint): each invocation's spans go after its response.
      if (!this.exporter.persist(handover.spans)) return this.exporter.export(handover.spans, handover.deadlineMs());
      if (!this.traffic.frequent() || this.exporter.spooledBytes() >= this.settings.maxBytes) await this.exportNow(handover.deadlineMs());
      else this.exportIfDue();
      this.traffic.idle(nowMs());
    };
    // Not held, the sandbox may freeze right after the response: the work goes before the return.
    if (handover.requestId !== undefined && this.unheld.delete(handover.requestId)) return work();
    this.extension.afterResponse(handover.requestId, work);
  }

  /** Everything batched, until done or `deadlineMs` (shutdown: `last`, sporadic traffic, size bound). */
  async exportNow(deadlineMs: number, last = false): Promise<void> {
    this.lastExportMs = nowMs();
    const exported = (async () => {
      // A drain in flight sends only what it found when it began: then one more for the rest.
      // One that was joined (a background drain, one attempt) is not this caller's try: after
      // it, this caller's own drain runs, with its retries and, at shutdown, past the breaker.
      for (let left = this.exporter.spooledBytes(); left > 0 && nowMs() < deadlineMs; ) {
        const joined = this.exporter.drainingSpool();
        await this.exporter.drainSpool(() => deadlineMs, { batch: true, last });
        const now = this.exporter.spooledBytes();
        if (now >= left && !joined) return;
        left = now;
      }
    })();
    await settledWithin(exported, deadlineMs - nowMs());
  }

  private exportIfDue(): void {
    if (nowMs() - this.lastExportMs < this.settings.intervalMs || this.exporter.spooledBytes() === 0) return;
    this.lastExportMs = nowMs();
    void this.exporter.drainSpool(() => nowMs() + this.settings.requestTimeoutMs, { background: true, batch: true });
  }
}
