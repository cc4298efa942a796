import { backoffMs, MIN_BACKOFF_MS } from '../../src/backoff';
import type { OtlpExportRequest } from '../../src/otlp/types';
import { ForwardError, type Forward } from './forwarder';
import type { Piece } from './pieces';

/** What became of a piece: at the backend, refused for good, or not taken yet (retry later). */
export type Outcome = { kind: 'sent' } | { kind: 'refused'; reason: string } | { kind: 'unavailable'; reason: string };

export interface DeliverySettings {
  forward: Forward;
  maxRequestBytes: number;
  /** Sends of one request while the backend answers with a retryable failure. */
  attempts: number;
  /** Longest wait between two sends of one request, whatever `Retry-After` asks. */
  maxWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called before each resend, for the consumer's counters. */
  onRetry?: () => void;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Pieces packed, in order, into requests of at most `maxBytes` of JSON. */
function pack(pieces: Piece[], maxBytes: number): Piece[][] {
  const groups: Piece[][] = [];
  let current: Piece[] = [];
  let bytes = 0;
  for (const piece of pieces) {
    if (current.length > 0 && bytes + piece.jsonBytes > maxBytes) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(piece);
    bytes += piece.jsonBytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

const requestOf = (group: Piece[]): OtlpExportRequest => ({
  resourceSpans: group.flatMap((p) => p.request.resourceSpans),
});

/**
 * Sends the pieces to the backend, as OTLP/HTTP asks of a sender: a retryable failure is
 * sent again a bounded number of times; a final refusal is not. A refused request of several
 * pieces is halved and each half sent again, so that one bad trace does not take the others
 * with it; a piece refused alone is refused. A piece over the request bound is refused without
 * being sent. Once the backend stays unavailable, the remaining pieces are not tried.
 */
export async function deliver(pieces: Piece[], settings: DeliverySettings): Promise<Map<Piece, Outcome>> {
  const sleep = settings.sleep ?? defaultSleep;
  const outcomes = new Map<Piece, Outcome>();
  let down: string | undefined;

  const send = async (group: Piece[]): Promise<void> => {
    if (down !== undefined) {
      group.forEach((p) => outcomes.set(p, { kind: 'unavailable', reason: down! }));
      return;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await settings.forward(requestOf(group));
        group.forEach((p) => outcomes.set(p, { kind: 'sent' }));
        return;
      } catch (error) {
        const reason = (error as Error).message;
        // Anything but an answer that says otherwise may pass: a signing or network failure is retried.
        const retryable = !(error instanceof ForwardError) || error.retryable;
        if (!retryable) {
          if (group.length === 1) {
            outcomes.set(group[0]!, { kind: 'refused', reason });
            return;
          }
          const half = Math.ceil(group.length / 2);
          await send(group.slice(0, half));
          await send(group.slice(half));
          return;
        }
        if (attempt + 1 >= settings.attempts) {
          down = reason;
          group.forEach((p) => outcomes.set(p, { kind: 'unavailable', reason }));
          return;
        }
        const asked = error instanceof ForwardError ? error.retryAfterMs : undefined;
        settings.onRetry?.();
        await sleep(Math.min(settings.maxWaitMs, Math.max(MIN_BACKOFF_MS, asked ?? backoffMs(attempt))));
      }
    }
  };

  const fitting: Piece[] = [];
  for (const piece of pieces) {
    if (piece.request.resourceSpans.length === 0) outcomes.set(piece, { kind: 'sent' });
    else if (piece.jsonBytes > settings.maxRequestBytes)
      outcomes.set(piece, {
        kind: 'refused',
        reason: `one span is ${piece.jsonBytes} bytes of OTLP JSON, over HOPTRACE_FORWARD_MAX_BYTES (${settings.maxRequestBytes})`,
      });
    else fitting.push(piece);
  }
  for (const group of pack(fitting, settings.maxRequestBytes)) await send(group);
  return outcomes;
}
