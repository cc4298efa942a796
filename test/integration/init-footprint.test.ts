import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a wrapped handler's init loads beyond what Node itself has loaded at start: each Node
// builtin is compiled on first load (node:module with the ES module loader it pulls in was a
// quarter of hoptrace's init, counted in instructions). Only what registration needs at once
// may load: diagnostics_channel for the HTTP instrumentation's subscriptions, and the
// AsyncLocalStorage implementation of the context manager (loaded on first use from Node 22).
const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const ALLOWED = [
  'diagnostics_channel',
  'internal/async_local_storage/async_hooks',
  'internal/async_local_storage/async_context_frame',
  'internal/async_local_storage/run_scope',
];

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-init-'));
  writeFileSync(
    join(dir, 'entry.ts'),
    `import { withTracing } from ${JSON.stringify(join(ROOT, 'src/index.ts'))};\nexport const handler = withTracing(async () => ({ ok: true }));\n`,
  );
  await build({
    entryPoints: [join(dir, 'entry.ts')],
    outfile: join(dir, 'handler.cjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'silent',
  });
  // Prints the builtins that loading the handler added to Node's list.
  writeFileSync(
    join(dir, 'probe.cjs'),
    "const before = new Set(process.moduleLoadList);\nrequire('./handler.cjs');\nconsole.log(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13))));\n",
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('init of a wrapped handler', () => {
  it('loads no Node builtin that registration does not need at once', () => {
    const out = execFileSync(process.execPath, [join(dir, 'probe.cjs')], {
      env: {
        PATH: process.env.PATH,
        AWS_LAMBDA_FUNCTION_NAME: 'init',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces',
        OTEL_LOG_LEVEL: 'none',
      },
    });
    const loaded = JSON.parse(out.toString()) as string[];
    expect(loaded.filter((id) => !ALLOWED.includes(id))).toEqual([]);
  });
});
