import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatMs } from '../../../cli/src/format-duration';

describe('durations as the terminal and the report write them', () => {
  it('two decimals below 10 ms, one below a second, seconds from there', () => {
    expect([0, 0.4213, 4.2, 12.345, 190.28, 999.94, 1000, 4000, 12_345].map(formatMs)).toEqual([
      '0.00 ms',
      '0.42 ms',
      '4.20 ms',
      '12.3 ms',
      '190.3 ms',
      '999.9 ms',
      '1.00 s',
      '4.00 s',
      '12.35 s',
    ]);
  });

  it('a dash for what is not a duration', () => {
    expect([Number.NaN, Number.POSITIVE_INFINITY].map(formatMs)).toEqual(['–', '–']);
  });

  it('is the one formatter: neither the terminal nor the report has its own', () => {
    const src = new URL('../../../cli/src/', import.meta.url);
    const own = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.includes('generated') && f !== 'format-duration.ts')
      .filter((f) => /function formatMs|const formatMs/.test(readFileSync(new URL(f, src), 'utf8')));
    expect(own).toEqual([]);
  });
});
