// Bundles the library into dist/ (the package's only content): ESM and CommonJS, each with
// one self-contained type declaration file, so that the types resolve under every
// moduleResolution (node10, node16/nodenext for import and require, bundler); the
// `hoptrace/lambda` preload; `hoptrace/powertools`; `hoptrace/durable`; and the deployable handlers into build/handlers/, outside the
// package.
import { execFileSync } from 'node:child_process';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { generateDtsBundle } from 'dts-bundle-generator';
import { build } from 'esbuild';

const LIBRARY_ENTRIES = { index: 'src/index.ts' };
// Second entries of the package, built on `hoptrace` itself: they import it (never bundle a
// copy of it, which would trace every call twice), so the base bundle never grows with them.
const ADDON_ENTRIES = { powertools: 'src/powertools/index.ts', durable: 'src/durable/index.ts' };
// Packages an entry builds on but never bundles: the user's own copy is the one that runs.
const ADDON_EXTERNALS = ['@opentelemetry/api', 'hoptrace', '@aws/durable-execution-sdk-js'];
const importsHoptrace = {
  name: 'imports-hoptrace',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/index$/ }, (args) =>
      /\/src\/(powertools|durable)\//.test(args.importer) ? { path: 'hoptrace', external: true } : undefined,
    );
  },
};
// The extension's entry point: ES module only, since it awaits its registration at top level;
// self-contained (no @opentelemetry/api), so it also works as a preload beside a bundle. It
// exports nothing.
const PRELOAD_ENTRIES = { lambda: 'src/lambda/index.ts' };
const HANDLERS = { ingest: 'handlers/ingest/handler.ts' };

rmSync('dist', { recursive: true, force: true });
rmSync('build', { recursive: true, force: true });

const library = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: ['@opentelemetry/api'],
  sourcemap: true,
  logLevel: 'info',
};
for (const [name, entry] of Object.entries(LIBRARY_ENTRIES)) {
  await build({ ...library, entryPoints: [entry], format: 'esm', outfile: `dist/${name}.mjs` });
  await build({ ...library, entryPoints: [entry], format: 'cjs', outfile: `dist/${name}.cjs` });
}
for (const [name, entry] of Object.entries(ADDON_ENTRIES)) {
  const addon = { ...library, entryPoints: [entry], external: ADDON_EXTERNALS, plugins: [importsHoptrace] };
  await build({ ...addon, format: 'esm', outfile: `dist/${name}.mjs` });
  await build({ ...addon, format: 'cjs', outfile: `dist/${name}.cjs` });
}

// One declaration file per entry, with no relative imports left to resolve: TypeScript's
// own output (a file per module, extensionless specifiers) fails under nodenext.
const DECLARED = { ...LIBRARY_ENTRIES, ...ADDON_ENTRIES };
const [...declarations] = generateDtsBundle(
  Object.values(DECLARED).map((filePath) => ({ filePath, output: { noBanner: true, exportReferencedTypes: false } })),
  { preferredConfigPath: 'tsconfig.build.json' },
);
Object.keys(DECLARED).forEach((name, i) => {
  writeFileSync(`dist/${name}.d.mts`, declarations[i]);
  copyFileSync(`dist/${name}.d.mts`, `dist/${name}.d.cts`);
});
for (const [name, entry] of Object.entries(PRELOAD_ENTRIES)) {
  await build({ ...library, entryPoints: [entry], external: [], format: 'esm', outfile: `dist/${name}.mjs` });
  writeFileSync(`dist/${name}.d.mts`, 'export {};\n');
}

for (const [name, entry] of Object.entries(HANDLERS)) {
  await build({
    entryPoints: [entry],
    outfile: `build/handlers/${name}.cjs`,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'info',
  });
}

// The bundled declarations must themselves type-check against the API's.
execFileSync(
  process.execPath,
  [
    'node_modules/typescript/bin/tsc',
    '--noEmit',
    '--strict',
    '--skipLibCheck',
    'false',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--types',
    'node',
    ...Object.keys(DECLARED).map((n) => `dist/${n}.d.mts`),
  ],
  { stdio: 'inherit' },
);
