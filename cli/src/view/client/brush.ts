// The response-time chart's selection, and which traces it takes (DOM-free: tests use it too).
import { responseMs } from '../../analysis/report-detail';
import type { TraceSummary } from '../../model';

/** A brushed range: start times (epoch ms) and response times (ms), bounds included. */
export interface Brush {
  fromMs: number;
  toMs: number;
  minMs: number;
  maxMs: number;
}

export const inBrush = (brush: Brush, t: TraceSummary, startMs: number): boolean =>
  startMs >= brush.fromMs && startMs <= brush.toMs && responseMs(t) >= brush.minMs && responseMs(t) <= brush.maxMs;
