import type { TraceDetail } from '../model';

// A trace's time per service and operation, as Jaeger's Trace Statistics shows it: how many
// spans, their total duration, and their self time: a span's duration less the union of its
// children's time inside it (children overlapping each other count once, a child's time
// outside its parent's window not at all). Times are summed in whole microseconds, as read.

export interface BreakdownRow {
  service: string;
  name: string;
  count: number;
  totalMs: number;
  selfMs: number;
}

const micros = (ms: number): number => Math.round(ms * 1000);

/** The length of the union of intervals `[start, end)`, each clipped to `[from, to)`. */
function coveredWithin(intervals: Array<[number, number]>, from: number, to: number): number {
  const clipped = intervals
    .map(([s, e]): [number, number] => [Math.max(s, from), Math.min(e, to)])
    .filter(([s, e]) => e > s);
  clipped.sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let reach = from;
  for (const [s, e] of clipped) {
    if (e <= reach) continue;
    covered += e - Math.max(s, reach);
    reach = e;
  }
  return covered;
}

/** Per service and operation, by self time (largest first), then service and name. */
export function breakdownOf(detail: Pick<TraceDetail, 'spans'>): BreakdownRow[] {
  const children = new Map<string, Array<[number, number]>>();
  for (const span of detail.spans) {
    if (span.parentSpanId === undefined) continue;
    const start = micros(span.startMs);
    let list = children.get(span.parentSpanId);
    if (!list) children.set(span.parentSpanId, (list = []));
    list.push([start, start + micros(span.durationMs)]);
  }
  const rows = new Map<string, { service: string; name: string; count: number; totalUs: number; selfUs: number }>();
  for (const span of detail.spans) {
    const start = micros(span.startMs);
    const duration = micros(span.durationMs);
    const self = duration - coveredWithin(children.get(span.spanId) ?? [], start, start + duration);
    const key = `${span.service}\0${span.name}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { service: span.service, name: span.name, count: 0, totalUs: 0, selfUs: 0 }));
    row.count++;
    row.totalUs += duration;
    row.selfUs += self;
  }
  return [...rows.values()]
    .sort((a, b) => b.selfUs - a.selfUs || a.service.localeCompare(b.service) || a.name.localeCompare(b.name))
    .map(({ service, name, count, totalUs, selfUs }) => ({
      service,
      name,
      count,
      totalMs: totalUs / 1000,
      selfMs: selfUs / 1000,
    }));
}
