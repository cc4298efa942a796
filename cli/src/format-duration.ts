// Durations for a person, written the same in the terminal and in the HTML report (whose
// script bundles this module too): 0.42 ms, 12.3 ms, 1.25 s.

/** Milliseconds as text: two decimals below 10 ms, one below a second, seconds to two decimals from there. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}
