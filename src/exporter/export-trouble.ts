import type { Attributes } from '@opentelemetry/api';
import { EXPORT_BREAKER_OPENS_ATTRIBUTE, EXPORT_DROPPED_ATTRIBUTE, EXPORT_SPOOLED_ATTRIBUTE } from '../otlp/pipeline-attributes';

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
    if (this.spooled > 0) stamps[EXPORT_SPOOLED_ATTRIBUTE] = this.spooled;
    if (dropped > 0) stamps[EXPORT_DROPPED_ATTRIBUTE] = dropped;
    if (this.breakerOpens > 0) stamps[EXPORT_BREAKER_OPENS_ATTRIBUTE] = this.breakerOpens;
    this.spooled = this.dropped = this.breakerOpens = 0;
    this.spoolDroppedTaken = spoolDropped;
    return stamps;
  }

  /** Stamps that no export carried (nothing was encodable): they wait for the next. */
  giveBack(stamps: Attributes): void {
    this.spooled += Number(stamps[EXPORT_SPOOLED_ATTRIBUTE] ?? 0);
    this.dropped += Number(stamps[EXPORT_DROPPED_ATTRIBUTE] ?? 0);
    this.breakerOpens += Number(stamps[EXPORT_BREAKER_OPENS_ATTRIBUTE] ?? 0);
  }
}
