// docs/layout.md names every folder a newcomer looks for behaviour in, and nothing that is
// gone: the top level, and the folders of src/, handlers/ and infra/.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './markdown';

const page = readFileSync(join(ROOT, 'docs/layout.md'), 'utf8');
const IGNORED = new Set(['node_modules', 'dist', 'build', 'coverage']);

const folders = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !IGNORED.has(e.name))
    .map((e) => `${dir === '.' ? '' : `${dir}/`}${e.name}/`);

describe('docs/layout.md', () => {
  it('names every folder of the top level and of src/, handlers/ and infra/', () => {
    const tree = [...folders('.'), ...folders('src'), ...folders('handlers'), ...folders('infra')];
    expect(tree.filter((folder) => !page.includes(`| \`${folder}\``))).toEqual([]);
  });

  it('names no path that is not in the tree', () => {
    const named = [...page.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });
});
