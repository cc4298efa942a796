import { build } from 'esbuild';

/** Bundles a handler the way a user's deployment would: one minified CommonJS file. */
export async function bundleHandler(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    logLevel: 'silent',
  });
}
