// Reads the documentation's Markdown: its files, fenced code blocks with the marker before
// each, links and heading anchors, for the tests that keep the docs true to the code.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** README.md and every page under docs/, as paths relative to the repository. */
export function markdownFiles(): string[] {
  const pages = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? pages(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : [],
    );
  return ['README.md', ...pages('docs')];
}

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** The `<!-- check: … -->` comment right above the fence, if any. */
  marker: string | undefined;
}

const FENCE = /^(\s*)```(\S*)\s*$/;
const MARKER = /<!--\s*check:\s*([\s\S]*?)\s*-->\s*$/;

/** Every fenced block of a file, its indentation (a block inside a list item) removed. */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    if (j === lines.length) throw new Error(`${file}:${i + 1}: a code block that is never closed`);
    blocks.push({ file, line: i + 1, lang: open[2]!, code: body.join('\n'), marker: markerAbove(lines, i) });
    i = j;
  }
  return blocks;
}

/** The check marker ending on the last non-blank line above `index`, possibly over several lines. */
function markerAbove(lines: readonly string[], index: number): string | undefined {
  let end = index - 1;
  while (end >= 0 && lines[end]!.trim() === '') end--;
  if (end < 0 || !lines[end]!.trimEnd().endsWith('-->')) return undefined;
  let start = end;
  while (start > 0 && !lines[start]!.includes('<!--')) start--;
  return MARKER.exec(lines.slice(start, end + 1).join('\n'))?.[1];
}

/** A file's lines with those of code blocks blanked: where links and headings are. */
export function prose(file: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of readFileSync(join(ROOT, file), 'utf8').split('\n')) {
    // Fenced lines stay as blanks, so that an index is still the file's line.
    if (FENCE.test(line) || /^\s*```\s*$/.test(line)) fenced = !fenced;
    out.push(fenced || line.trimStart().startsWith('```') ? '' : line);
  }
  return out;
}

/** The anchors GitHub gives a page's headings: lowercased, punctuation dropped, spaces to dashes, repeats numbered. */
export function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(file)) {
    const heading = /^#{1,6} (.+)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

export interface Link {
  file: string;
  line: number;
  target: string;
}

/** Every relative link and image of a file (not `http(s):` or `mailto:`). */
export function relativeLinks(file: string): Link[] {
  const links: Link[] = [];
  prose(file).forEach((text, i) => {
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (!/^[a-z]+:/.test(target)) links.push({ file, line: i + 1, target });
    }
  });
  return links;
}
