// The headline bundle figure of docs/operations/limits-and-costs.md is BENCHMARKS.md's, the
// measured one, and the page says the bundle target is met only when the run says so.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './markdown';

/** The cells of the first table row of `text` whose first cell is `first`. */
function row(text: string, first: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(`| ${first} |`));
  expect(line, `a row "${first}"`).toBeDefined();
  return line!
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

describe('docs/operations/limits-and-costs.md against BENCHMARKS.md', () => {
  it('gives the measured bundle size, and the target as the run found it', () => {
    const benchmarks = readFileSync(join(ROOT, 'BENCHMARKS.md'), 'utf8');
    const page = readFileSync(join(ROOT, 'docs/operations/limits-and-costs.md'), 'utf8');
    const measured = row(benchmarks, 'hoptrace')[1]; // the cold-start table: bundle min (KB)
    const target = row(benchmarks, 'bundle size, minified (KB)');
    const stated = row(page, 'bundle, minified (API included)');
    expect(stated[1]).toBe(`${measured} KB`);
    expect(target[1]).toBe(measured);
    const met = target[5] === 'yes';
    expect(stated.join(' ').includes('not met')).toBe(!met);
  });
});
