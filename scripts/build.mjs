// Bundles the library (ESM and CommonJS) and the deployable handlers with esbuild, and emits
// the library's type declarations.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist', { recursive: true, force: true });

const common = {
  entryPoints: ['src/index.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: ['@opentelemetry/api'],
  sourcemap: true,
  logLevel: 'info',
};

await build({ ...common, format: 'esm', outfile: 'dist/index.mjs' });
await build({ ...common, format: 'cjs', outfile: 'dist/index.cjs' });
// The extension's entry point: ES module only, since it awaits its registration at top level.
// Self-contained (no @opentelemetry/api), so it also works as a preload beside a bundle.
await build({ ...common, entryPoints: ['src/lambda/index.ts'], external: [], format: 'esm', outfile: 'dist/lambda.mjs' });
await build({
  entryPoints: ['handlers/ingest/handler.ts'],
  outfile: 'dist/handlers/ingest.cjs',
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'info',
});
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
