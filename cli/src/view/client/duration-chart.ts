// Above the trace list: each trace's response time (its root's duration, else its extent)
// against its start time, on a log axis, failed traces in red, drawn on a canvas (5,000 points
// cost a few milliseconds). Dragging a rectangle selects the traces in its time and duration
// range; the list then shows only them until the selection is reset.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useElementSize } from './element-size';
import type { TraceSummary } from '../../model';
import { responseMs } from '../../analysis/report-detail';
import type { Brush } from './brush';
import { formatMs } from '../../format-duration';
import { formatTime } from './format';

const HEIGHT = 150;
const PAD = { left: 56, right: 10, top: 8, bottom: 20 };
// Durations below this (a zero-length root) are drawn on it: a log axis has no 0.
const FLOOR_MS = 0.001;
// A drag shorter than this (in pixels) each way is a click, not a selection.
const MIN_DRAG = 4;
// Traces outside the list's filters, shown ones, failed shown ones.
const POINT_COLOURS = ['rgba(154,163,181,.35)', 'rgba(59,111,216,.75)', '#c62828'];

interface Scale {
  t0: number;
  t1: number;
  /** log10 of the axis' bounds in ms. */
  y0: number;
  y1: number;
  width: number;
}

function scaleOf(starts: Float64Array, traces: readonly TraceSummary[], width: number): Scale {
  let t0 = Infinity;
  let t1 = -Infinity;
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < traces.length; i++) {
    t0 = Math.min(t0, starts[i]!);
    t1 = Math.max(t1, starts[i]!);
    const ms = Math.max(FLOOR_MS, responseMs(traces[i]!));
    low = Math.min(low, ms);
    high = Math.max(high, ms);
  }
  if (t1 <= t0) (t0 -= 500), (t1 += 500);
  const y0 = Math.floor(Math.log10(low));
  const y1 = Math.max(y0 + 1, Math.ceil(Math.log10(high)));
  return { t0, t1, y0, y1, width };
}

const plotWidth = (s: Scale): number => Math.max(1, s.width - PAD.left - PAD.right);
const plotHeight = HEIGHT - PAD.top - PAD.bottom;
const xOf = (s: Scale, t: number): number => PAD.left + ((t - s.t0) / (s.t1 - s.t0)) * plotWidth(s);
const yOf = (s: Scale, ms: number): number =>
  PAD.top + (1 - (Math.log10(Math.max(FLOOR_MS, ms)) - s.y0) / (s.y1 - s.y0)) * plotHeight;
const clampX = (s: Scale, x: number): number => Math.min(PAD.left + plotWidth(s), Math.max(PAD.left, x));
const clampY = (y: number): number => Math.min(PAD.top + plotHeight, Math.max(PAD.top, y));
const timeAt = (s: Scale, x: number): number => s.t0 + ((clampX(s, x) - PAD.left) / plotWidth(s)) * (s.t1 - s.t0);
const msAt = (s: Scale, y: number): number => 10 ** (s.y0 + (1 - (clampY(y) - PAD.top) / plotHeight) * (s.y1 - s.y0));

function draw(
  canvas: HTMLCanvasElement,
  s: Scale,
  traces: readonly TraceSummary[],
  starts: Float64Array,
  shown: ReadonlySet<TraceSummary>,
): void {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(s.width * ratio);
  canvas.height = Math.round(HEIGHT * ratio);
  const g = canvas.getContext('2d');
  if (!g) return;
  g.scale(ratio, ratio);
  g.clearRect(0, 0, s.width, HEIGHT);
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = '#6b7385';
  g.strokeStyle = '#e4e7ec';
  g.lineWidth = 1;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (let e = s.y0; e <= s.y1; e++) {
    const y = Math.round(yOf(s, 10 ** e)) + 0.5;
    g.beginPath();
    g.moveTo(PAD.left, y);
    g.lineTo(PAD.left + plotWidth(s), y);
    g.stroke();
    g.fillText(formatMs(10 ** e), PAD.left - 6, y);
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  for (const share of [0, 0.5, 1]) {
    const t = s.t0 + share * (s.t1 - s.t0);
    g.textAlign = share === 0 ? 'left' : share === 1 ? 'right' : 'center';
    g.fillText(formatTime(new Date(t).toISOString()).slice(11, 19), xOf(s, t), HEIGHT - PAD.bottom + 5);
  }
  // Faded first, then the traces the list shows, failures last so none hides under the rest.
  for (const pass of [0, 1, 2]) {
    for (let i = 0; i < traces.length; i++) {
      const t = traces[i]!;
      const layer = !shown.has(t) ? 0 : t.errorCount > 0 ? 2 : 1;
      if (layer !== pass) continue;
      g.fillStyle = POINT_COLOURS[layer]!;
      g.fillRect(Math.round(xOf(s, starts[i]!)) - 1.5, Math.round(yOf(s, responseMs(t))) - 1.5, 3, 3);
    }
  }
}

export function DurationChart(props: {
  traces: readonly TraceSummary[];
  shown: readonly TraceSummary[];
  brush: Brush | undefined;
  onBrush: (brush: Brush | undefined) => void;
}): VNode {
  const { traces, brush, onBrush } = props;
  const [box, { width }] = useElementSize<HTMLDivElement>({ width: 800, height: HEIGHT });
  const canvas = useRef<HTMLCanvasElement>(null);
  const [drag, setDrag] = useState<{ x0: number; y0: number; x1: number; y1: number } | undefined>(undefined);
  const starts = useMemo(() => Float64Array.from(traces, (t) => Date.parse(t.startTime)), [traces]);
  const scale = useMemo(() => scaleOf(starts, traces, width), [starts, traces, width]);
  const shown = useMemo(() => new Set(props.shown), [props.shown]);

  useEffect(() => {
    if (canvas.current && traces.length > 0) draw(canvas.current, scale, traces, starts, shown);
  }, [scale, traces, starts, shown]);

  const local = (event: PointerEvent): [number, number] => {
    const rect = (event.currentTarget as HTMLElement).getBoundingClientRect();
    return [clampX(scale, event.clientX - rect.left), clampY(event.clientY - rect.top)];
  };
  const finish = (event: PointerEvent): void => {
    if (!drag) return;
    const [x1, y1] = local(event);
    setDrag(undefined);
    if (Math.abs(x1 - drag.x0) < MIN_DRAG || Math.abs(y1 - drag.y0) < MIN_DRAG) return;
    onBrush({
      fromMs: timeAt(scale, Math.min(drag.x0, x1)),
      toMs: timeAt(scale, Math.max(drag.x0, x1)),
      minMs: msAt(scale, Math.max(drag.y0, y1)),
      maxMs: msAt(scale, Math.min(drag.y0, y1)),
    });
  };
  // The brushed range drawn over the points, from the drag under way or the selection made.
  const band = drag
    ? {
        left: Math.min(drag.x0, drag.x1),
        top: Math.min(drag.y0, drag.y1),
        width: Math.abs(drag.x1 - drag.x0),
        height: Math.abs(drag.y1 - drag.y0),
      }
    : brush
      ? {
          left: xOf(scale, brush.fromMs),
          top: yOf(scale, brush.maxMs),
          width: xOf(scale, brush.toMs) - xOf(scale, brush.fromMs),
          height: yOf(scale, brush.minMs) - yOf(scale, brush.maxMs),
        }
      : undefined;

  return html`<div class="chart" data-testid="duration-chart" data-brush=${brush ? JSON.stringify(brush) : ''}>
    <div class="chart-head">
      <b>Response time over time</b>
      <span class="muted">each trace: its root's duration (log scale) at its start; <span class="bad">red</span>: failed</span>
      ${
        brush
          ? html`<span data-testid="brush-text">selected ${formatTime(new Date(brush.fromMs).toISOString()).slice(11)} – ${formatTime(new Date(brush.toMs).toISOString()).slice(11)},
            ${formatMs(brush.minMs)} – ${formatMs(brush.maxMs)}</span>
            <button type="button" onClick=${() => onBrush(undefined)}>Reset selection</button>`
          : html`<span class="muted">drag across it to select traces by time and duration</span>`
      }
    </div>
    <div
      class="chart-plot"
      ref=${box}
      style=${{ height: `${HEIGHT}px` }}
      onPointerDown=${(event: PointerEvent) => {
        if (event.button !== 0) return;
        (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
        const [x, y] = local(event);
        setDrag({ x0: x, y0: y, x1: x, y1: y });
      }}
      onPointerMove=${(event: PointerEvent) => {
        if (!drag) return;
        const [x, y] = local(event);
        setDrag({ ...drag, x1: x, y1: y });
      }}
      onPointerUp=${finish}
      onPointerCancel=${() => setDrag(undefined)}
    >
      <canvas ref=${canvas} style=${{ width: `${width}px`, height: `${HEIGHT}px` }}></canvas>
      ${band ? html`<div class="brush" style=${{ left: `${band.left}px`, top: `${band.top}px`, width: `${band.width}px`, height: `${band.height}px` }}></div>` : null}
    </div>
  </div>`;
}
