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

const hues = new Map<string, number>();

/** A stable colour per service name (a hash to a hue), so a service looks the same in every view. */
export function serviceColor(service: string, lightness = 58): string {
  let hue = hues.get(service);
  if (hue === undefined) {
    let hash = 2166136261;
    for (let i = 0; i < service.length; i++) hash = Math.imul(hash ^ service.charCodeAt(i), 16777619);
    hue = (hash >>> 0) % 360;
    hues.set(service, hue);
  }
  return `hsl(${hue} 55% ${lightness}%)`;
}
