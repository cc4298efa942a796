// docs/contracts.md names, in full, every `hoptrace.*` name the code writes or shares across a
// process: a name added to the code without its line there fails here. Context keys stay
// inside one copy of hoptrace and are no contract; a prefix is not a name.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './markdown';

const CODE = ['src', 'handlers', 'cli/src'];

function namesInTheCode(): Set<string> {
  const names = new Set<string>();
  for (const dir of CODE) {
    for (const file of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.includes('generated')) continue;
      for (const line of readFileSync(join(ROOT, dir, file), 'utf8').split('\n')) {
        if (line.includes('createContextKey(')) continue;
        for (const m of line.matchAll(/'(hoptrace\.[A-Za-z_.]+[A-Za-z_])'/g)) names.add(m[1]!);
      }
    }
  }
  return names;
}

describe('docs/contracts.md', () => {
  it('names every hoptrace.* name of the code', () => {
    const page = readFileSync(join(ROOT, 'docs/contracts.md'), 'utf8');
    const names = namesInTheCode();
    expect(names.size).toBeGreaterThan(20);
    // Whole names: `hoptrace.export.spans` is not named by `hoptrace.export.spans_spooled`.
    const named = new Set([...page.matchAll(/hoptrace\.[A-Za-z_.]*[A-Za-z_]/g)].map((m) => m[0]));
    expect([...names].filter((name) => !named.has(name)).sort()).toEqual([]);
  });
});
