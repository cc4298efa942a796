// Flushes in a row that failed in a way that costs time (refused, hung, timed out, 429 or
// 5xx until the deadline) before the endpoint is taken for dead. Three rather than one: a
// blip must not send a sandbox's spans to the spool for seconds.
const FAILURES_TO_OPEN = 3;
// While open, one delivery now and then probes the endpoint. A probe of a hanging endpoint
// costs one flush budget, so the wait starts at 5 s and doubles after each failed probe up to
// a minute: a dead endpoint then costs one budget a minute (under 1% of the time at the
// default 500 ms) instead of one per invocation, and a recovery is seen within a minute.
const FIRST_PROBE_AFTER_MS = 5_000;
const MAX_PROBE_AFTER_MS = 60_000;

/**
 * Stops a dead endpoint from costing every invocation its full flush budget. Closed: every
 * delivery goes. Open: none goes (the exporter spools at once) until a probe is due; the
 * probe's success closes it. Wall-clock time, because a frozen sandbox's pause counts too.
 */
export class CircuitBreaker {
  private failures = 0;
  /** Set while open: when the next probe may go (epoch ms). */
  private probeAtMs: number | undefined;
  private probeAfterMs = FIRST_PROBE_AFTER_MS;
  private isProbing = false;

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** A probe was let through and has not reported yet. */
  get probing(): boolean {
    return this.isProbing;
  }

  /** Whether a delivery may go now; while open, true once per due probe. */
  allows(): boolean {
    if (this.probeAtMs === undefined) return true;
    if (this.isProbing || this.now() < this.probeAtMs) return false;
    this.isProbing = true;
    return true;
  }

  /** Whether a delivery now would be turned away (open, no probe due); unlike `allows`, changes nothing. */
  refusing(): boolean {
    return this.probeAtMs !== undefined && (this.isProbing || this.now() < this.probeAtMs);
  }

  /** The endpoint answered (even with a final error): it is alive. */
  succeeded(): void {
    this.failures = 0;
    this.probeAtMs = undefined;
    this.isProbing = false;
    this.probeAfterMs = FIRST_PROBE_AFTER_MS;
  }

  /**
   * A flush or a probe that was let through failed. Returns the wait before the first probe when
   * this failure opened the breaker (for the log line), undefined otherwise.
   */
  failed(): number | undefined {
    if (this.isProbing) {
      this.isProbing = false;
      this.probeAfterMs = Math.min(MAX_PROBE_AFTER_MS, this.probeAfterMs * 2);
      this.probeAtMs = this.now() + this.probeAfterMs;
      return undefined;
    }
    if (this.probeAtMs !== undefined || ++this.failures < FAILURES_TO_OPEN) return undefined;
    this.probeAtMs = this.now() + this.probeAfterMs;
    return this.probeAfterMs;
  }
}
