// `npm pack` of the command: one ES module with the read side and the shared OTLP code
// bundled in; the AWS SDK stays a dependency, installed beside it.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/hoptrace.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
