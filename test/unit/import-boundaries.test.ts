import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Which part of the tree may import which, read from every source file's imports (static,
// `export … from`, `import()`, `require()`, type-only ones too) by the TypeScript compiler's
// own scanner, so that a dependency that runs the wrong way fails here and not in a bundle.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The library's modules the deployed handlers, the command and the span table's contract may
 * import: the OTLP model and the stream record, and the few helpers they share with the
 * library. Anything else in src/ is the library's own (and would grow what a handler bundles).
 */
const SHARED_MODULES = [
  'src/backoff',
  'src/config/env',
  'src/config/library-env',
  'src/config/parsers',
  'src/guards',
  'src/otlp/micros',
  'src/otlp/hoptrace-attributes',
  'src/otlp/protobuf-decode',
  'src/otlp/protobuf-encode',
  'src/otlp/service-requests',
  'src/otlp/stream-record',
  'src/otlp/types',
  'src/otlp/value-bounds',
  'src/otlp/values',
  'src/redaction',
];

const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  peerDependencies?: Record<string, string>;
};
/** What the published library may import from outside itself: Node's modules and its peers. */
const LIBRARY_PACKAGES = new Set([...builtinModules, ...Object.keys(PACKAGE.peerDependencies ?? {})]);

interface SourceFile {
  /** Repository-relative, with forward slashes. */
  path: string;
  text: string;
}

const areaOf = (path: string): string => path.split('/')[0]!;
const inArea = (target: string, area: string): boolean => target === area || target.startsWith(`${area}/`);
/** A package specifier's package: `@scope/name` or `name`, without `node:` and subpaths. */
const packageOf = (specifier: string): string => {
  const bare = specifier.replace(/^node:/, '');
  return bare
    .split('/')
    .slice(0, bare.startsWith('@') ? 2 : 1)
    .join('/');
};

/** The repository-relative module a relative specifier names, without its extension. */
const targetOf = (file: string, specifier: string): string =>
  posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.(m|c)?[jt]sx?$/, '');

/** Why `file` may not import `specifier`, or undefined when it may. */
function refusal(file: string, specifier: string): string | undefined {
  const area = areaOf(file);
  if (!specifier.startsWith('.')) {
    if (area === 'src' && !LIBRARY_PACKAGES.has(packageOf(specifier)))
      return "src/ imports no package but Node's and its peer dependencies";
    return undefined;
  }
  const target = targetOf(file, specifier);
  if (area === 'src' && !inArea(target, 'src')) return 'src/ imports nothing outside itself';
  if (area !== 'local' && inArea(target, 'local')) return 'nothing outside local/ imports from local/';
  if (
    ['handlers', 'cli', 'span-table'].includes(area) &&
    inArea(target, 'src') &&
    !SHARED_MODULES.some((m) => target === m || target === `${m}/index`)
  ) {
    return `${area}/ imports from src/ only the shared modules`;
  }
  return undefined;
}

/** Every import that breaks a boundary, as `file: 'specifier' (rule)`. */
function boundaryViolations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    for (const { fileName } of ts.preProcessFile(file.text, true, true).importedFiles) {
      const why = refusal(file.path, fileName);
      if (why) out.push(`${file.path}: '${fileName}' (${why})`);
    }
  }
  return out;
}

/** The second entries of the package (hoptrace/powertools, hoptrace/durable): the base entry's bundle must not grow with them. */
const SECOND_ENTRIES = ['src/powertools', 'src/durable'];

/**
 * Every import of a second entry by a module the base entry (src/index.ts) reaches, following
 * relative imports of every kind from it, as a bundler would (type-only ones too: a type that
 * lives there is a step away from a value that does).
 */
function baseEntryViolations(files: readonly SourceFile[]): string[] {
  const byModule = new Map(files.map((f) => [f.path.replace(/\.(m|c)?[jt]sx?$/, ''), f]));
  const out: string[] = [];
  const seen = new Set<string>();
  const queue = files.filter((f) => f.path === 'src/index.ts');
  for (let file = queue.shift(); file; file = queue.shift()) {
    if (seen.has(file.path)) continue;
    seen.add(file.path);
    for (const { fileName } of ts.preProcessFile(file.text, true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = targetOf(file.path, fileName);
      if (SECOND_ENTRIES.some((entry) => inArea(target, entry))) {
        out.push(
          `${file.path}: '${fileName}' (what src/index.ts reaches imports neither src/powertools/ nor src/durable/)`,
        );
        continue;
      }
      const next = byModule.get(target) ?? byModule.get(`${target}/index`);
      if (next) queue.push(next);
    }
  }
  return out;
}

function* sourceFiles(dir: string): Generator<SourceFile> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Installed packages, and what builds and runs leave (.build, .serverless, .hoptrace, dist).
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.(m|c)?[jt]sx?$/.test(entry.name))
      yield { path: relative(ROOT, path).split(sep).join('/'), text: readFileSync(path, 'utf8') };
  }
}

describe('import boundaries', () => {
  it('hold across the repository', () => {
    const files = [...sourceFiles(ROOT)];
    expect(files.length).toBeGreaterThan(300);
    expect(boundaryViolations(files)).toEqual([]);
    expect(baseEntryViolations(files)).toEqual([]);
  });

  it('fails a module src/index.ts reaches, however far, importing src/powertools/ or src/durable/', () => {
    const files = [
      { path: 'src/index.ts', text: "export { withTracing } from './wrapper/wrap';" },
      { path: 'src/wrapper/wrap.ts', text: "import { Tracer } from '../powertools/tracer.js';\nimport './steps';" },
      { path: 'src/wrapper/steps.ts', text: "import type { StepSpan } from '../durable';" },
      // Not reached from src/index.ts, so not its bundle: a second entry importing the base, a module nothing imports.
      { path: 'src/powertools/index.ts', text: "import { withTracing } from '../index';" },
      { path: 'src/other.ts', text: "import '../src/durable/plugin';" },
    ];
    expect(baseEntryViolations(files)).toEqual([
      "src/wrapper/wrap.ts: '../powertools/tracer.js' (what src/index.ts reaches imports neither src/powertools/ nor src/durable/)",
      "src/wrapper/steps.ts: '../durable' (what src/index.ts reaches imports neither src/powertools/ nor src/durable/)",
    ]);
  });

  it('reads every kind of import, type-only and dynamic ones too', () => {
    const text = [
      "import type { A } from '../handlers/a';",
      "export { b } from '../cli/b';",
      "const c = await import('../local/c');",
      "const d = require('../bench/d');",
      "type E = typeof import('../test/e');",
    ].join('\n');
    expect(boundaryViolations([{ path: 'src/x.ts', text }])).toHaveLength(5);
  });

  it('fails src/ importing from outside itself, or a package that is not its peer', () => {
    expect(
      boundaryViolations([
        {
          path: 'src/otlp/x.ts',
          text: "import { y } from '../../span-table/rows';\nimport { z } from '@aws-sdk/client-kinesis';",
        },
      ]),
    ).toEqual([
      "src/otlp/x.ts: '../../span-table/rows' (src/ imports nothing outside itself)",
      "src/otlp/x.ts: '@aws-sdk/client-kinesis' (src/ imports no package but Node's and its peer dependencies)",
    ]);
    expect(
      boundaryViolations([
        {
          path: 'src/otlp/x.ts',
          text: "import { a } from './types';\nimport { trace } from '@opentelemetry/api';\nimport { gzip } from 'node:zlib';\nimport http from 'http';",
        },
      ]),
    ).toEqual([]);
  });

  it('fails handlers/, cli/ and span-table/ importing a module of src/ that is not shared', () => {
    expect(
      boundaryViolations([
        {
          path: 'handlers/ingest/x.ts',
          text: "import { withTracing } from '../../src/wrapper/wrap';\nimport type { OtlpSpan } from '../../src/otlp/types';",
        },
        {
          path: 'cli/src/sources/x.ts',
          text: "import { Tracer } from '../../../src/tracer/tracer';\nimport { isObject } from '../../../src/guards.ts';",
        },
        { path: 'span-table/x.ts', text: "import { flush } from '../src';" },
      ]),
    ).toEqual([
      "handlers/ingest/x.ts: '../../src/wrapper/wrap' (handlers/ imports from src/ only the shared modules)",
      "cli/src/sources/x.ts: '../../../src/tracer/tracer' (cli/ imports from src/ only the shared modules)",
      "span-table/x.ts: '../src' (span-table/ imports from src/ only the shared modules)",
    ]);
  });

  it('fails anything outside local/ importing from it, and lets local/ import its own', () => {
    expect(
      boundaryViolations([
        {
          path: 'test/integration/x.test.ts',
          text: "import { startLocalTailSampler } from '../../local/tail-sampler';",
        },
        { path: 'bench/x.ts', text: "import { formatRows } from '../local/archive';" },
        { path: 'testing/x.ts', text: "import { writeLocalArchive } from '../local/archive';" },
        {
          path: 'local/start.ts',
          text: "import { formatRows } from './archive';\nimport { startKinesalite } from '../testing/kinesis';",
        },
      ]),
    ).toEqual([
      "test/integration/x.test.ts: '../../local/tail-sampler' (nothing outside local/ imports from local/)",
      "bench/x.ts: '../local/archive' (nothing outside local/ imports from local/)",
      "testing/x.ts: '../local/archive' (nothing outside local/ imports from local/)",
    ]);
  });
});
