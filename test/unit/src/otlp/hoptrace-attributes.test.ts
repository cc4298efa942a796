import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DURABLE_ATTRIBUTES, HoptraceAttribute } from '../../../../src/otlp/hoptrace-attributes';

const NAMES_FILE = join('src', 'otlp', 'hoptrace-attributes.ts');

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.generated.ts')) yield path;
  }
}

// Names under `hoptrace.` that are no attributes: context keys, global symbols, a diagnostics channel.
const NOT_ATTRIBUTES = /createContextKey\(|Symbol\.for\(|^const NAME = 'hoptrace\.lambda\.shutdown';/;

describe('hoptrace.* attribute names', () => {
  it('are spelt in one file only, across the library, the handlers and the command', () => {
    const spelt: string[] = [];
    for (const root of ['src', 'handlers', join('cli', 'src')]) {
      for (const file of sources(root)) {
        if (file === NAMES_FILE) continue;
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            const code = line.trim();
            if (/^(\/\/|\*|\/\*)/.test(code) || NOT_ATTRIBUTES.test(code)) return;
            if (/['"]hoptrace\.[a-z_.]+['"]/.test(code)) spelt.push(`${file}:${i + 1}: ${code}`);
          });
      }
    }
    expect(spelt).toEqual([]);
  });

  it('are each distinct', () => {
    const members = enumValues();
    expect(members.length).toBeGreaterThan(15);
    const names = [...members, ...Object.values(DURABLE_ATTRIBUTES)];
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^hoptrace\.[a-z_.]+$/);
  });

  it("reach the library's bundle inline, only those it sets", async () => {
    const { build } = await import('esbuild');
    const { outputFiles } = await build({
      entryPoints: ['src/index.ts'],
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      write: false,
      external: ['@opentelemetry/api'],
      logLevel: 'silent',
    });
    const code = outputFiles[0]!.text;
    const set = [HoptraceAttribute.InitType, HoptraceAttribute.Provisional, HoptraceAttribute.ExportSpans];
    for (const name of set) expect(code).toContain(`"${name}"`);
    const handlers = [HoptraceAttribute.Tenant, HoptraceAttribute.ReceivedTime, HoptraceAttribute.Truncated];
    for (const name of handlers) expect(code).not.toContain(name);
  });
});

/** The enum's members as values: a const enum has no object at run time, so they are listed here from the source. */
function enumValues(): string[] {
  return [...readFileSync(NAMES_FILE, 'utf8').matchAll(/^\s+[A-Z]\w+ = '([^']+)',$/gm)].map((m) => m[1]!);
}
