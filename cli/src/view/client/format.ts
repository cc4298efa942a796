// How the viewer writes durations, times and values, and the colour each service gets.

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms === 0) return '0ms';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)}s`;
  if (ms >= 10) return `${Math.round(ms)}ms`;
  return `${ms.toFixed(ms >= 1 ? 1 : 2)}ms`;
}

/** ISO 8601 to `YYYY-MM-DD HH:MM:SS.mmm` (UTC, as the command prints it). */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace('T', ' ').replace('Z', '');
}

export function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}

/** A share to one decimal that never rounds a partial share to 0% or 100%. */
export function percent(part: number, whole: number): string {
  if (!(whole > 0)) return '–';
  const share = (part / whole) * 100;
  if (part > 0 && share < 0.1) return '<0.1%';
  if (part < whole && share > 99.9) return '>99.9%';
  return `${share.toFixed(1)}%`;
}

// Service colours leave out the reds (hue 315° through 0° to 35°), which mark errors, and are
// handed out along the golden angle in the order of the report's services (sorted), so each
// service is far in hue from the others, neighbours in the list the farthest.
const FIRST_HUE = 35;
const HUE_RANGE = 280;
const GOLDEN = 0.618033988749895;
const hues = new Map<string, number>();

const hueAt = (i: number): number => Math.round(FIRST_HUE + ((i * GOLDEN) % 1) * HUE_RANGE);

/** Sets the palette for the report's services: call once with all of them, before drawing. */
export function setPalette(services: Iterable<string>): void {
  hues.clear();
  [...new Set(services)].sort().forEach((service, i) => hues.set(service, hueAt(i)));
}

/** A service's hue: from the palette, or (a service it was not given) the next free step. */
export function serviceHue(service: string): number {
  let hue = hues.get(service);
  if (hue === undefined) hues.set(service, (hue = hueAt(hues.size)));
  return hue;
}

/** A service's colour, the same in every view of the report. */
export function serviceColor(service: string, lightness = 58): string {
  return `hsl(${serviceHue(service)} 55% ${lightness}%)`;
}
