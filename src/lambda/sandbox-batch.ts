import type { OtlpExporter } from '../exporter/exporter';
import { nowMs } from '../tracer/time';
import { stayAwake } from './awake-clock';
import type { Delivery, Handover } from './delivery';
import type { LambdaExtension } from './handoff';
import { settledWithin } from './settled-by';
import { TrafficHistory } from './traffic';

export interface BatchSettings {
  /** Under frequent traffic, an export at most this often, in ms (`HOPTRACE_EXPORT_INTERVAL_MS`). */
  intervalMs: number;
  /** A batch this large (bytes written since its export began) goes at once, and the invocation waits for it. */
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
  /** `exporter.journaledBytes()` when the last export began: the batch is what was written since. */
  private journaledAtExport = 0;
  /**
   * Invocations the extension let go before they were claimed: nothing holds their freeze. The
   * runtime is in the handler meanwhile, so the sandbox is awake though the extension waits in next.
   */
  private readonly unheld = new Map<string, () => void>();
  /** Handovers whose spans are not in the journal yet. */
  private readonly unwritten = new Set<Handover>();

  constructor(
    private readonly exporter: OtlpExporter,
    private readonly extension: LambdaExtension,
    private readonly settings: BatchSettings,
  ) {
    this.traffic = new TrafficHistory(settings.intervalMs);
    // The spans reach the journal just after the response: a runtime that dies before (an
    // exception thrown then, process.exit) writes them on its way out, synchronously.
    const writeAll = (): void => {
      for (const handover of this.unwritten) this.write(handover);
    };
    process.on('exit', writeAll);
    process.on('uncaughtExceptionMonitor', writeAll);
  }

  begin(requestId: string | undefined): undefined {
    if (requestId !== undefined && !this.extension.claim(requestId)) this.unheld.set(requestId, stayAwake());
    this.traffic.invoked(nowMs());
    this.exportIfDue();
    return undefined;
  }

  async deliver(handover: Handover): Promise<void> {
    this.unwritten.add(handover);
    const release = handover.requestId === undefined ? undefined : this.unheld.get(handover.requestId);
    // Held by the extension, the work runs after the response; not held, before the return,
    // as the sandbox may freeze right after the response.
    const afterResponse = release === undefined;
    const work = async (): Promise<void> => {
      const written = this.write(handover);
      await Promise.all(handover.pending);
      // No spool (turned off, or no endpoint): each invocation's spans go after its response.
      if (!written) {
        this.unwritten.delete(handover);
        return this.exporter.export(handover.spans, handover.deadlineMs(), { afterResponse });
      }
      const batchBytes = this.exporter.journaledBytes() - this.journaledAtExport;
      if (!this.traffic.frequent() || batchBytes >= this.settings.maxBytes)
        await this.exportNow(handover.deadlineMs(), { afterResponse });
      else this.exportIfDue();
      this.traffic.idle(nowMs());
    };
    if (afterResponse) return this.extension.afterResponse(handover.requestId, work);
    this.unheld.delete(handover.requestId!);
    return work().finally(release);
  }

  /** Puts the handover's spans in the journal unless they are there already; false without a spool (or an endpoint). */
  private write(handover: Handover): boolean {
    if (!this.unwritten.has(handover)) return true;
    if (!this.exporter.persist(handover.spans)) return false;
    this.unwritten.delete(handover);
    return true;
  }

  /**
   * Everything batched, until done or `deadlineMs` (shutdown: `last`; sporadic traffic and
   * the size bound: `afterResponse`).
   */
  async exportNow(deadlineMs: number, options: { last?: boolean; afterResponse?: boolean } = {}): Promise<void> {
    this.lastExportMs = nowMs();
    this.journaledAtExport = this.exporter.journaledBytes();
    const exported = (async () => {
      // A drain in flight sends only what it found when it began: the rest goes beside it, not
      // a round trip behind (a slow ingest's in-flight request and one more outlast SIGTERM's
      // 500 ms). What that one held is not this caller's try: if it failed, this caller's own
      // drain runs after, with its retries and, at shutdown, past the breaker.
      for (let left = this.exporter.spooledBytes(); left > 0 && nowMs() < deadlineMs; ) {
        const joined = this.exporter.drainingSpool();
        await this.exporter.drainSpool(() => deadlineMs, { batch: true, beside: true, ...options });
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
    this.journaledAtExport = this.exporter.journaledBytes();
    void this.exporter.drainSpool(() => nowMs() + this.settings.requestTimeoutMs, { background: true, batch: true });
  }
}
