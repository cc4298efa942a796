/** Cut or pad to a column's width. */
export function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** A share in percent to one decimal that never rounds a partial share to 0% or 100%. */
export function share(part: number, whole: number): string {
  if (!(whole > 0)) return '-';
  const percent = (100 * part) / whole;
  if (part > 0 && percent < 0.1) return '<0.1%';
  if (part < whole && percent > 99.9) return '>99.9%';
  return `${percent.toFixed(1)}%`;
}

/**
 * Rows of cells as aligned columns; numbers (cells starting with a digit) right-aligned,
 * except in the `text` columns (ids: hex that may start with a digit, or be all digits).
 */
export function table(header: string[], rows: string[][], text: readonly number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map(
    (_, i) => !text.includes(i) && rows.length > 0 && rows.every((r) => /^[\d.<>]/.test(r[i] ?? '')),
  );
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
