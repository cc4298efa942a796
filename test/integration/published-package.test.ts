import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The package as a user gets it: `npm pack` (which builds), unpacked into a consumer
// project's node_modules, then type-checked under every module resolution and loaded by
// Node both ways.
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

let dir: string;
let packed: { files: Array<{ path: string }>; size: number };

const CONSUMER = `
const options: TracingOptions = { serviceName: 'orders' };
export const handler = withTracing(async (event: { n: number }, _context: LambdaContext) => ({ doubled: event.n * 2 }), options);
export const result: Promise<{ doubled: number }> = handler({ n: 1 }, {} as LambdaContext);
// @ts-expect-error a number is no handler; were withTracing typed \`any\`, this line would not error
withTracing(42);
export const api = [tracing, flush, traceRecord, instrumentAwsClient];
`;

async function typecheck(
  name: string,
  compilerOptions: Record<string, string>,
  file: string,
  source: string,
): Promise<void> {
  const project = join(dir, name);
  mkdirSync(project);
  writeFileSync(join(project, file), source);
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, types: [], ...compilerOptions },
      files: [file],
    }),
  );
  await run(process.execPath, [TSC, '-p', project], { cwd: dir }).catch((error: { stdout: string }) => {
    throw new Error(`${name}: ${error.stdout}`);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-consumer-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT });
  packed = (JSON.parse(stdout) as Array<typeof packed & { filename: string }>)[0]!;
  const tarball = join(dir, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename);
  mkdirSync(join(dir, 'node_modules/hoptrace'), { recursive: true });
  mkdirSync(join(dir, 'node_modules/@opentelemetry'), { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', join(dir, 'node_modules/hoptrace'), '--strip-components=1']);
  symlinkSync(join(ROOT, 'node_modules/@opentelemetry/api'), join(dir, 'node_modules/@opentelemetry/api'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the published package', () => {
  it('holds the library only: its bundles and types, the hoptrace/lambda preload, no handler bundles', () => {
    const paths = packed.files.map((f) => f.path).sort();
    expect(paths.filter((p) => p.startsWith('dist/'))).toEqual([
      'dist/durable.cjs',
      'dist/durable.cjs.map',
      'dist/durable.d.cts',
      'dist/durable.d.mts',
      'dist/durable.mjs',
      'dist/durable.mjs.map',
      'dist/index.cjs',
      'dist/index.cjs.map',
      'dist/index.d.cts',
      'dist/index.d.mts',
      'dist/index.mjs',
      'dist/index.mjs.map',
      'dist/lambda.d.mts',
      'dist/lambda.mjs',
      'dist/lambda.mjs.map',
      'dist/powertools.cjs',
      'dist/powertools.cjs.map',
      'dist/powertools.d.cts',
      'dist/powertools.d.mts',
      'dist/powertools.mjs',
      'dist/powertools.mjs.map',
    ]);
    expect(paths.every((p) => p.startsWith('dist/') || p === 'package.json' || p === 'README.md')).toBe(true);
    const manifest = JSON.parse(readFileSync(join(dir, 'node_modules/hoptrace/package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.private).toBeUndefined();
    expect(manifest.dependencies).toBeUndefined();
    // The API is the one package a wrapped handler needs; the durable execution SDK only
    // hoptrace/durable's users have, their own copy.
    expect(manifest.peerDependencies).toEqual({
      '@opentelemetry/api': expect.any(String),
      '@aws/durable-execution-sdk-js': expect.any(String),
    });
    expect(manifest.peerDependenciesMeta).toEqual({ '@aws/durable-execution-sdk-js': { optional: true } });
  });

  it('type-checks for import under nodenext and node16', async () => {
    const source = `import 'hoptrace/lambda';\nimport { withTracing, tracing, flush, traceRecord, instrumentAwsClient, type TracingOptions, type LambdaContext } from 'hoptrace';\n${CONSUMER}`;
    await typecheck('nodenext-import', { module: 'nodenext', moduleResolution: 'nodenext' }, 'handler.mts', source);
    await typecheck('node16-import', { module: 'node16', moduleResolution: 'node16' }, 'handler.mts', source);
  });

  it('type-checks for require under nodenext and node16', async () => {
    const source = `import hoptrace = require('hoptrace');\nconst { withTracing, tracing, flush, traceRecord, instrumentAwsClient } = hoptrace;\ntype TracingOptions = hoptrace.TracingOptions;\ntype LambdaContext = hoptrace.LambdaContext;\n${CONSUMER}`;
    await typecheck('nodenext-require', { module: 'nodenext', moduleResolution: 'nodenext' }, 'handler.cts', source);
    await typecheck('node16-require', { module: 'node16', moduleResolution: 'node16' }, 'handler.cts', source);
  });

  it('type-checks under bundler and node10 resolution', async () => {
    const source = `import { withTracing, tracing, flush, traceRecord, instrumentAwsClient, type TracingOptions, type LambdaContext } from 'hoptrace';\n${CONSUMER}`;
    await typecheck('bundler', { module: 'esnext', moduleResolution: 'bundler' }, 'handler.ts', source);
    await typecheck('node10', { module: 'commonjs', moduleResolution: 'node10' }, 'handler.ts', source);
    // node10 reads no `exports`: the second entries' types come from `typesVersions`.
    const addon = `import { Tracer } from 'hoptrace/powertools';\nimport { captureLambdaHandler } from 'hoptrace/powertools/middleware';\nexport const middleware = captureLambdaHandler(new Tracer({ serviceName: 'orders' }));\n`;
    await typecheck('node10-powertools', { module: 'commonjs', moduleResolution: 'node10' }, 'handler.ts', addon);
  }, 120_000);

  it('type-checks hoptrace/powertools under nodenext with legacy decorators, and under bundler with standard ones', async () => {
    const source = `import { Tracer, captureLambdaHandler, type TracerOptions } from 'hoptrace/powertools';
import { captureLambdaHandler as fromMiddleware } from 'hoptrace/powertools/middleware';
const options: TracerOptions = { serviceName: 'orders' };
const tracer = new Tracer(options);
class Lambda {
  @tracer.captureMethod({ subSegmentName: '### charge' })
  async charge(): Promise<string> {
    tracer.putAnnotation('kind', 'card');
    tracer.putMetadata('order', { id: 1 }, 'orders');
    return 'id';
  }
  @tracer.captureLambdaHandler({ captureResponse: false })
  async handler(_event: unknown, _context: unknown): Promise<string> {
    return this.charge();
  }
}
export const handler = new Lambda().handler;
export const middlewares = [captureLambdaHandler(tracer), fromMiddleware(tracer, { captureResponse: true })];
export const root: string | undefined = tracer.getRootXrayTraceId();
// @ts-expect-error annotations are strings, numbers and booleans, as X-Ray's
tracer.putAnnotation('kind', { nested: true });
`;
    await typecheck(
      'powertools-nodenext',
      { module: 'nodenext', moduleResolution: 'nodenext', experimentalDecorators: true, target: 'es2022' } as never,
      'handler.mts',
      source,
    );
    await typecheck(
      'powertools-bundler',
      { module: 'esnext', moduleResolution: 'bundler', target: 'es2022' },
      'handler.ts',
      source,
    );
  }, 120_000);

  it('loads hoptrace/powertools by import and by require, on the one copy of hoptrace (hoptrace/durable is built the same way)', async () => {
    const esm = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('hoptrace/powertools'); const mw = await import('hoptrace/powertools/middleware'); console.log(typeof m.Tracer, m.captureLambdaHandler === mw.captureLambdaHandler)",
      ],
      { cwd: dir },
    );
    expect(esm.stdout.trim()).toBe('function true');
    const cjs = await run(
      process.execPath,
      ['-e', "const m = require('hoptrace/powertools'); console.log(typeof m.Tracer, m.ANNOTATION_PREFIX)"],
      { cwd: dir },
    );
    expect(cjs.stdout.trim()).toBe('function xray.annotation.');
    for (const file of ['powertools.mjs', 'powertools.cjs', 'durable.mjs', 'durable.cjs']) {
      const code = readFileSync(join(dir, 'node_modules/hoptrace/dist', file), 'utf8');
      expect(code).toMatch(/from "hoptrace"|require\("hoptrace"\)/);
      expect(code).not.toContain('class OtlpExporter');
    }
  });

  it('loads in Node by import and by require', async () => {
    const esm = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "await import('hoptrace/lambda'); const m = await import('hoptrace'); console.log(typeof m.withTracing, typeof m.tracing)",
      ],
      { cwd: dir },
    );
    expect(esm.stdout.trim()).toBe('function function');
    const cjs = await run(
      process.execPath,
      ['-e', "const m = require('hoptrace'); console.log(typeof m.withTracing, typeof m.flush)"],
      { cwd: dir },
    );
    expect(cjs.stdout.trim()).toBe('function function');
  });
});
