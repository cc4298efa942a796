// The response-time chart's selection, and which traces it takes (DOM-free: tests use it too).
import type { TraceSummary } from '../../model';

/** A brushed range: start times (epoch ms) and response times (ms), bounds included. */
export interface Brush {
  fromMs: number;
  toMs: number;
  minMs: number;
  maxMs: number;
}

/** What the chart draws a trace at: its root's duration, else (no root) its extent. */
export const responseMs = (t: TraceSummary): number => t.rootDurationMs ?? t.durationMs;

export const inBrush = (brush: Brush, t: TraceSummary, startMs: number): boolean =>
  startMs >= brush.fromMs && startMs <= brush.toMs && responseMs(t) >= brush.minMs && responseMs(t) <= brush.maxMs;
