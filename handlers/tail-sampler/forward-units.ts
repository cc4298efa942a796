import { encodeStreamRecord } from '../../src/otlp/stream-record';
import type { ShardRange } from '../stream-batch';
import type { DecisionStore } from './decision-store';
import { deliver, type Outcome } from './delivery';
import type { Forward } from './forwarder';
import { spansOf, type TracePart } from './parts';
import type { Piece } from './pieces';
import type { Decision } from './policy';

/** A kept trace's pieces still to send, the records that fail if they cannot be, and its parked items. */
export interface Unit {
  traceId: string;
  /** Why it is kept, and the probability it was sampled with (1 when always kept). */
  decision: Decision;
  owners: TracePart[];
  pieces: Piece[];
  /** Set when the trace had parts parked: their chunk items, swept with them. */
  sweep?: string[] | undefined;
}

export interface ForwardCounters {
  ForwardedSpans: number;
  ForwardRetries: number;
  /** Kept traces whose records are redelivered because the backend did not take them. */
  ForwardFailures: number;
  /** Spans the backend refused for good (or too large to send), set aside. */
  RefusedSpans: number;
  /** Spans set aside: refused, or not taken within the retry window. */
  SetAsideSpans: number;
  StoreFailures: number;
}

export interface ForwardDeps {
  store: DecisionStore;
  forward: Forward;
  maxRequestBytes: number;
  /** How long a trace the backend does not take is redelivered before it is set aside. */
  retryWindowMs: number;
  log: (level: 'error' | 'warn', message: string, fields?: Record<string, unknown>) => void;
  now: () => number;
  /** The batch's records per shard, which name the sent sets. */
  ranges: Map<string, ShardRange>;
}

// Within one invocation: the first send and two more, each wait at most this long.
const ATTEMPTS = 3;
const MAX_WAIT_MS = 5000;

interface Aside {
  piece: Piece;
  reason: string;
  refused: boolean;
}

const spanCount = (pieces: Piece[]): number => pieces.reduce((n, p) => n + spansOf(p.request).length, 0);

/**
 * Sends the kept traces and settles each piece: sent or set aside, it is marked sent so no
 * redelivery sends it again; not taken yet, its trace's records are redelivered, until the
 * trace has failed for the retry window, when it is set aside too. Returns the records to fail.
 */
export async function forwardUnits(units: Unit[], deps: ForwardDeps, counters: ForwardCounters): Promise<TracePart[]> {
  const outcomes = await deliver(
    units.flatMap((u) => u.pieces),
    {
      forward: deps.forward,
      maxRequestBytes: deps.maxRequestBytes,
      attempts: ATTEMPTS,
      maxWaitMs: MAX_WAIT_MS,
      onRetry: () => counters.ForwardRetries++,
    },
  );
  const outcome = (piece: Piece): Outcome => outcomes.get(piece)!;
  const stalled = units.filter((u) => u.pieces.some((p) => outcome(p).kind === 'unavailable'));
  let since = new Map<string, number>();
  if (stalled.length > 0) {
    const reason = stalled.flatMap((u) => u.pieces.map(outcome)).find((o) => o.kind === 'unavailable') as {
      reason: string;
    };
    deps.log('warn', `forwarding failed; ${stalled.length} kept trace(s) wait for a redelivery: ${reason.reason}`);
    try {
      // A trace that failed within the last two windows is in the same outage.
      since = await deps.store.failingSince(
        stalled.map((u) => u.traceId),
        2 * deps.retryWindowMs,
      );
    } catch (error) {
      counters.StoreFailures++;
      deps.log(
        'error',
        `reading when forwarding started failing failed; the records are redelivered: ${(error as Error).message}`,
      );
    }
  }

  const toFail: TracePart[] = [];
  const settled: Array<{ unit: Unit; done: Piece[]; aside: Aside[]; complete: boolean }> = [];
  for (const unit of units) {
    const done: Piece[] = [];
    const aside: Aside[] = [];
    let complete = true;
    for (const piece of unit.pieces) {
      const o = outcome(piece);
      if (o.kind === 'sent') done.push(piece);
      else if (o.kind === 'refused') aside.push({ piece, reason: o.reason, refused: true });
      else if (since.has(unit.traceId) && deps.now() - since.get(unit.traceId)! >= deps.retryWindowMs) {
        aside.push({ piece, reason: `not taken within ${deps.retryWindowMs / 1000} s: ${o.reason}`, refused: false });
      } else complete = false;
    }
    counters.ForwardedSpans += spanCount(done);
    if (!complete) {
      counters.ForwardFailures++;
      toFail.push(...unit.owners);
    }
    settled.push({ unit, done, aside, complete });
  }

  const asides = settled.filter((s) => s.aside.length > 0);
  let asideStored = true;
  if (asides.length > 0) {
    try {
      await deps.store.setAside(
        asides.flatMap((s) =>
          s.aside.map((a) => ({
            traceId: s.unit.traceId,
            key: a.piece.key,
            gzipped: encodeStreamRecord(a.piece.request),
            reason: a.reason,
          })),
        ),
      );
    } catch (error) {
      asideStored = false;
      counters.StoreFailures++;
      deps.log('error', `setting spans aside failed; their records are redelivered: ${(error as Error).message}`);
    }
  }
  for (const s of asides) {
    if (!asideStored) {
      if (s.complete) toFail.push(...s.unit.owners);
      continue;
    }
    const refused = s.aside.filter((a) => a.refused);
    counters.RefusedSpans += spanCount(refused.map((a) => a.piece));
    counters.SetAsideSpans += spanCount(s.aside.map((a) => a.piece));
    // Once per trace: its pieces are marked, so a redelivery neither sends nor logs them again.
    deps.log('error', 'spans set aside, not forwarded', {
      traceId: s.unit.traceId,
      spans: spanCount(s.aside.map((a) => a.piece)),
      pieces: s.aside.map((a) => a.piece.key),
      reason: s.aside[0]!.reason,
    });
  }

  const marked = settled.map((s) => ({
    ...s,
    marks: [...s.done, ...(asideStored ? s.aside.map((a) => a.piece) : [])],
  }));
  // Parked parts go only with the last of their trace's pieces: a redelivery reads them again.
  const swept = marked.filter((s) => s.unit.sweep && s.complete && (asideStored || s.aside.length === 0));
  try {
    await deps.store.markSent(
      marked.flatMap((s) => s.marks.map((p) => p.key)),
      swept.map((s) => ({ traceId: s.unit.traceId, decision: s.unit.decision, chunks: s.unit.sweep! })),
      deps.ranges,
    );
  } catch (error) {
    // The spans are at the backend: failing the records would send them again. Without the
    // markers a redelivery of these records would, which is the lesser harm; so it is only for
    // the swept traces, whose decision is stored with the sweep: without it their later parts
    // would be parked, the trace incomplete.
    counters.StoreFailures++;
    const redelivered = swept.length > 0 ? `; ${swept.length} swept trace(s) are redelivered` : '';
    deps.log('warn', `forwarded, but the sent markers were not stored${redelivered}: ${(error as Error).message}`);
    for (const s of swept) toFail.push(...s.unit.owners);
  }
  return toFail;
}
