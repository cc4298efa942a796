import type { Attributes } from '@opentelemetry/api';
import { HoptraceAttribute } from '../otlp/hoptrace-attributes';

// Each name is used twice below: held in a variable, it is in the bundle once (esbuild writes
// an enum member out at every use).
const SPOOLED = HoptraceAttribute.ExportSpansSpooled;
const DROPPED = HoptraceAttribute.ExportSpansDropped;
const BREAKER_OPENS = HoptraceAttribute.ExportBreakerOpens;

/**
 * What went wrong with exports since the last export was encoded: spans a failed delivery left
 * in the spool, spans dropped, times the circuit breaker opened. Each export carries what
 * accumulated before it on its resource, and the ingest counts it (SpansSpooled,
 * SpansDropped, BreakerOpens): the trouble of a sandbox shows without reading its logs.
 */
export class ExportTrouble {
  private spooled = 0;
  private dropped = 0;
  private breakerOpens = 0;
  /** The spool's own count of what it dropped (full, unwritable), as last taken. */
  private spoolDroppedTaken = 0;

  spooledSpans(n: number): void {
    this.spooled += n;
  }

  droppedSpans(n: number): void {
    this.dropped += n;
  }

  breakerOpened(): void {
    this.breakerOpens++;
  }

  /** The counts since the last call, as the stamps of the next export (none when all went well). */
  take(spoolDropped: number): Attributes {
    const dropped = this.dropped + Math.max(0, spoolDropped - this.spoolDroppedTaken);
    const stamps: Attributes = {};
    if (this.spooled > 0) stamps[SPOOLED] = this.spooled;
    if (dropped > 0) stamps[DROPPED] = dropped;
    if (this.breakerOpens > 0) stamps[BREAKER_OPENS] = this.breakerOpens;
    this.spooled = this.dropped = this.breakerOpens = 0;
    this.spoolDroppedTaken = spoolDropped;
    return stamps;
  }

  /** Stamps that no export carried (nothing was encodable): they wait for the next. */
  giveBack(stamps: Attributes): void {
    this.spooled += Number(stamps[SPOOLED] ?? 0);
    this.dropped += Number(stamps[DROPPED] ?? 0);
    this.breakerOpens += Number(stamps[BREAKER_OPENS] ?? 0);
  }
}
