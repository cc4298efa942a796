// Every relative link of README.md and docs/ leads to a file of the repository, and every
// `#anchor` to a heading of its page, so that a page moved or a heading renamed fails here.
import { existsSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, markdownFiles, relativeLinks, ROOT } from './markdown';

describe('the links of README.md and docs/', () => {
  const links = markdownFiles().flatMap(relativeLinks);

  it('are there to check', () => {
    expect(links.length).toBeGreaterThan(50);
  });

  it('lead to files that exist, and headings that exist', () => {
    const broken = links.flatMap(({ file, line, target }) => {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const resolved = path === '' ? file : normalize(join(dirname(file), path));
      if (!existsSync(join(ROOT, resolved))) return [`${file}:${line}: ${target} (no such file)`];
      if (anchor === undefined || !resolved.endsWith('.md')) return [];
      return anchors(resolved).has(anchor) ? [] : [`${file}:${line}: ${target} (no such heading)`];
    });
    expect(broken).toEqual([]);
  });

  it('reach every page from the index', () => {
    const linked = relativeLinks('docs/README.md').map(({ target }) => normalize(join('docs', target.split('#')[0]!)));
    const index = new Set(linked);
    const pages = markdownFiles().filter((f) => f.startsWith('docs/') && f !== 'docs/README.md');
    expect(pages.filter((page) => !index.has(page))).toEqual([]);
  });
});
