import type { IngestConfig } from './config';

/** How far back API Gateway's receipt time may lie: its longest integration timeout. */
const MAX_REQUEST_AGE_MS = 29_000;

/** The two instants that bound one request's waiting. */
export interface IngestDeadline {
  /** When the request was received: API Gateway's stamp, or when the handler started without a usable one. */
  receivedAt: number;
  /** When waiting must have ended, counted from the sender's side: `answerWithinMs` after receipt. */
  answerAt: number;
  /** The latest the ingest may still be working: `deadlineMarginMs` before Lambda cuts it off. */
  cutOffAt: number;
}

type DeadlineSettings = Pick<IngestConfig, 'answerWithinMs' | 'deadlineMarginMs'>;

/**
 * The deadline of a request. The sender's patience (the exporter's timeout) runs from when it
 * sent the request, which API Gateway stamps as `requestTimeEpoch`, not from when the handler
 * starts: a cold start (bundle load, SSM read) spends that time first. So the answer is due
 * `answerWithinMs` after API Gateway received the request, and in any case before Lambda cuts
 * the function off. Without a usable stamp (another front door, a clock far off), it runs from now.
 */
export function answerDeadline(
  requestTimeEpoch: unknown,
  now: number,
  remainingMs: number,
  config: DeadlineSettings,
): IngestDeadline {
  const stamped =
    typeof requestTimeEpoch === 'number' &&
    Number.isFinite(requestTimeEpoch) &&
    requestTimeEpoch > now - MAX_REQUEST_AGE_MS;
  const received = stamped ? Math.min(requestTimeEpoch, now) : now;
  const cutOffAt = now + remainingMs - config.deadlineMarginMs;
  return { receivedAt: received, answerAt: Math.min(received + config.answerWithinMs, cutOffAt), cutOffAt };
}

/**
 * When the stream write must end, once the records are built at `readyAt`. Decoding and
 * building take CPU time in proportion to the request's size (about 1 s for the largest
 * accepted at 512 MB), so a request that fits every limit would outlast the answer deadline
 * by its size alone and be refused on every retry. The deadline bounds waiting, not the
 * ingest's own work: the write keeps what is left of the answer window, and at least
 * `streamWindowMs` after the work, short of Lambda's cut-off.
 */
export function streamDeadline(
  deadline: IngestDeadline,
  readyAt: number,
  config: Pick<IngestConfig, 'streamWindowMs'>,
): number {
  return Math.min(Math.max(deadline.answerAt, readyAt + config.streamWindowMs), deadline.cutOffAt);
}
