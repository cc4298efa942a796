// Every code block of README.md and docs/ is checked: TypeScript and JavaScript type-checked
// against the package's entry points (mapped to src/), shell parsed by bash, YAML, JSON and
// SQL parsed. `text` blocks are output and pictures. A block opts out only with a marker right
// above it, `<!-- check: unchecked, <why> -->`; `<!-- check: declare … -->` declares what the
// block uses without showing it (a reader's own functions).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type CodeBlock, codeBlocks, markdownFiles, ROOT } from './markdown';

const blocks = markdownFiles().flatMap(codeBlocks);
const where = (b: CodeBlock): string => `${b.file}:${b.line}`;
const unchecked = (b: CodeBlock): boolean => b.marker?.startsWith('unchecked') ?? false;
const checked = (langs: readonly string[]): CodeBlock[] =>
  blocks.filter((b) => langs.includes(b.lang) && !unchecked(b));

const TS = ['ts', 'typescript'];
const JS = ['js', 'javascript'];
const SHELL = ['sh', 'bash', 'shell'];
const KNOWN = [...TS, ...JS, ...SHELL, 'yaml', 'yml', 'json', 'sql', 'text'];

// The package's entry points, as package.json's exports name them.
const ENTRY_POINTS: Record<string, string> = {
  hoptrace: 'src/index.ts',
  'hoptrace/lambda': 'src/lambda/index.ts',
  'hoptrace/powertools': 'src/powertools/index.ts',
  'hoptrace/powertools/middleware': 'src/powertools/index.ts',
  'hoptrace/durable': 'src/durable/index.ts',
};

/** Each block as a module of its own in a folder of the repository, so that node_modules resolve. */
function typeCheck(list: readonly CodeBlock[]): string[] {
  const dir = join(ROOT, '.docs-blocks');
  const files = new Map<string, CodeBlock>();
  list.forEach((b, i) => files.set(join(dir, `block-${i}.${JS.includes(b.lang) ? 'mjs' : 'ts'}`), b));
  const source = (b: CodeBlock): string => {
    const declared = b.marker?.startsWith('declare ') ? b.marker : '';
    // On one line with the block's first, so that a diagnostic's line is the block's own.
    return `${declared.replace(/\n/g, ' ')} ${b.code}`;
  };
  const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const compilerOptions: ts.CompilerOptions = {
    ...options,
    noEmit: true,
    allowJs: true,
    checkJs: true,
    moduleDetection: ts.ModuleDetectionKind.Force,
    paths: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, path]) => [name, [join(ROOT, path)]])),
  };
  const host = ts.createCompilerHost(compilerOptions);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => files.has(name) || fileExists(name);
  host.readFile = (name) => (files.has(name) ? source(files.get(name)!) : readFile(name));
  host.getSourceFile = (name, version, ...rest) => {
    const block = files.get(name);
    return block ? ts.createSourceFile(name, source(block), version, true) : getSourceFile(name, version, ...rest);
  };
  const program = ts.createProgram([...files.keys()], compilerOptions, host);
  return ts.getPreEmitDiagnostics(program).flatMap((d) => {
    const block = d.file && files.get(d.file.fileName);
    if (!block) return [ts.flattenDiagnosticMessageText(d.messageText, '\n')];
    const line = d.start === undefined ? 0 : d.file!.getLineAndCharacterOfPosition(d.start).line;
    return [`${block.file}:${block.line + 1 + line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`];
  });
}

/** `NAME=` assignments of hoptrace's and OpenTelemetry's variables in a shell block. */
const assignedVariables = (code: string): string[] =>
  [...code.matchAll(/(?:^|\s)((?:HOPTRACE|OTEL)_[A-Z0-9_]+)=/g)].map((m) => m[1]!);

// Where the code reads its variables. A name the code only refuses (it tests that the name is
// set, then throws that it is not read) is not one it reads.
const CODE = ['src', 'handlers', 'cli/src', 'infra', 'local', 'serverless.yml'];
const REFUSAL = /!== undefined|is not read/;
function readByTheCode(name: string): boolean {
  const args = ['-rn', '--include=*.ts', '--include=*.yml', '--include=*.cjs', name, ...CODE];
  const grep = spawnSync('grep', args, { cwd: ROOT, encoding: 'utf8' });
  return grep.stdout.split('\n').some((line) => line !== '' && !REFUSAL.test(line));
}

describe('the code blocks of README.md and docs/', () => {
  it('name a language each, one this test checks, or say why they are not checked', () => {
    const unknown = blocks.filter((b) => !KNOWN.includes(b.lang) && !unchecked(b));
    const bad = unknown.map((b) => `${where(b)}: \`\`\`${b.lang}`);
    expect(bad).toEqual([]);
    const noReason = blocks.filter((b) => unchecked(b) && !/^unchecked,\s*\S/.test(b.marker!)).map(where);
    expect(noReason).toEqual([]);
  });

  it('type-check as TypeScript and JavaScript against the package entry points', () => {
    const list = checked([...TS, ...JS]);
    expect(list.length).toBeGreaterThan(5);
    expect(typeCheck(list)).toEqual([]);
  }, 120_000);

  it('parse as shell', () => {
    const bad = checked(SHELL).flatMap((b) => {
      const result = spawnSync('bash', ['-n'], { input: b.code, encoding: 'utf8' });
      return result.status === 0 ? [] : [`${where(b)}: ${result.stderr.trim()}`];
    });
    expect(bad).toEqual([]);
  });

  it('set no variable the code does not read (HOPTRACE_INGEST_API_KEYS, say)', () => {
    const unread = checked(SHELL).flatMap((b) =>
      assignedVariables(b.code)
        .filter((name) => !readByTheCode(name))
        .map((name) => `${where(b)}: ${name}`),
    );
    expect(unread).toEqual([]);
  });

  it('parse as YAML and JSON', () => {
    const bad = [
      ...checked(['yaml', 'yml']).flatMap((b) =>
        parseAllDocuments(b.code).flatMap((d) => d.errors.map((e) => `${where(b)}: ${e.message}`)),
      ),
      ...checked(['json']).flatMap((b) => {
        try {
          JSON.parse(b.code);
          return [];
        } catch (error) {
          return [`${where(b)}: ${(error as Error).message}`];
        }
      }),
    ];
    expect(bad).toEqual([]);
  });

  it("parse as SQL (DuckDB's parser)", async () => {
    const list = checked(['sql']);
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const bad: string[] = [];
    for (const b of list) {
      const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS ast', [b.code]);
      const ast = JSON.parse(String(reader.getRowObjects()[0]!.ast)) as { error: boolean; error_message?: string };
      if (ast.error) bad.push(`${where(b)}: ${ast.error_message}`);
    }
    expect(bad).toEqual([]);
  });

  it('catch what they are here to catch', () => {
    const refused = readFileSync(join(ROOT, 'handlers/ingest/config.ts'), 'utf8').includes('HOPTRACE_INGEST_API_KEYS');
    expect(refused && readByTheCode('HOPTRACE_INGEST_API_KEYS')).toBe(false);
    expect(readByTheCode('HOPTRACE_STREAM_NAME')).toBe(true);
  });
});
