import type { IngestConfig } from './config';

/** How far back API Gateway's receipt time may lie: its longest integration timeout. */
const MAX_REQUEST_AGE_MS = 29_000;

/**
 * When the ingest must have answered. The sender's patience (the exporter's timeout) runs from
 * when it sent the request, which API Gateway stamps as `requestTimeEpoch`, not from when the
 * handler starts: a cold start (bundle load, SSM read) spends that time first. So the
 * deadline is `answerWithinMs` after API Gateway received the request, and in any case before
 * Lambda cuts the function off. Without a usable stamp (another front door, a clock far off),
 * it runs from now.
 */
export function answerDeadline(requestTimeEpoch: unknown, now: number, remainingMs: number, config: Pick<IngestConfig, 'answerWithinMs' | 'deadlineMarginMs'>): number {
  const stamped = typeof requestTimeEpoch === 'number' && Number.isFinite(requestTimeEpoch) && requestTimeEpoch > now - MAX_REQUEST_AGE_MS;
  const received = stamped ? Math.min(requestTimeEpoch, now) : now;
  return Math.min(received + config.answerWithinMs, now + remainingMs - config.deadlineMarginMs);
}
