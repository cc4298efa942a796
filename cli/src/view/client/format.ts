// How the viewer writes times and values, and the colour each service gets (durations: as the
// terminal writes them, ../../format-duration).

/** ISO 8601 to `YYYY-MM-DD HH:MM:SS.mmm` (UTC, as the command prints it). */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace('T', ' ').replace('Z', '');
}

export function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

/** A share to one decimal that never rounds a partial share to 0% or 100%. */
export function percent(part: number, whole: number): string {
  if (!(whole > 0)) return '–';
  const share = (part / whole) * 100;
  if (part > 0 && share < 0.1) return '<0.1%';
  if (part < whole && share > 99.9) return '>99.9%';
  return `${share.toFixed(1)}%`;
}

// Service colours leave out the reds (hue 315° through 0° to 35°), which mark errors. The
// report's services (sorted) share the other 280° evenly, each the farthest the count allows
// from every other, and are dealt out by a stride of about 0.38 of them so that neighbours in
// the sorted list land far apart. A service the palette was not given takes a golden-angle step.
const FIRST_HUE = 35;
const HUE_RANGE = 280;
const GOLDEN = 0.618033988749895;
const hues = new Map<string, number>();

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The stride through `n` even slots: near 0.38 n, and prime to n so every slot is dealt. */
function strideFor(n: number): number {
  let stride = Math.max(1, Math.round(n * (1 - GOLDEN)));
  while (gcd(stride, n) !== 1) stride++;
  return stride;
}

/** Sets the palette for the report's services: call once with all of them, before drawing. */
export function setPalette(services: Iterable<string>): void {
  hues.clear();
  const names = [...new Set(services)].sort();
  const stride = strideFor(names.length);
  names.forEach((service, i) =>
    hues.set(service, Math.round(FIRST_HUE + (((i * stride) % names.length) * HUE_RANGE) / names.length)),
  );
}

/** A service's hue: from the palette, or (a service it was not given) a golden-angle step. */
export function serviceHue(service: string): number {
  let hue = hues.get(service);
  if (hue === undefined) hues.set(service, (hue = Math.round(FIRST_HUE + ((hues.size * GOLDEN) % 1) * HUE_RANGE)));
  return hue;
}

/** A service's colour, the same in every view of the report. */
export function serviceColor(service: string, lightness = 58): string {
  return `hsl(${serviceHue(service)} 55% ${lightness}%)`;
}
