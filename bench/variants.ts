import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = resolve(ROOT, '.build/bench');
const AUTO_REGISTER = resolve(ROOT, 'node_modules/@opentelemetry/auto-instrumentations-node/build/src/register.js');

export type VariantName = 'bare' | 'bare-post' | 'hoptrace' | 'otel-sdk' | 'otel-auto';

export interface Variant {
  name: VariantName;
  label: string;
  /** The module the probe loads. */
  module: string;
  /** The bundle whose size is reported. */
  bundle: string;
  nodeArgs: string[];
  env: Record<string, string>;
}

async function bundle(entry: string, outfile: string): Promise<void> {
  const { metafile } = await build({
    entryPoints: [resolve(ROOT, entry)],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'silent',
    metafile: true,
  });
  // What takes the bytes, by input module, for the notes (esbuild's metafile).
  writeFileSync(
    `${outfile}.inputs.json`,
    JSON.stringify(
      Object.fromEntries(
        Object.entries(Object.values(metafile.outputs)[0]!.inputs).map(([path, input]) => [path, input.bytesInOutput]),
      ),
    ),
  );
}

/** Minified bytes of a variant's bundle by input module path. */
export function bundleInputs(variant: Variant): Record<string, number> {
  return JSON.parse(readFileSync(`${variant.bundle}.inputs.json`, 'utf8')) as Record<string, number>;
}

/**
 * The same handler five ways, each bundled with esbuild (minified): bare; bare plus the one
 * HTTP request per invocation that any flushing exporter makes (the floor); wrapped with
 * hoptrace; traced with the OpenTelemetry SDK as its Lambda instrumentation does; and bare
 * under @opentelemetry/auto-instrumentations-node, loaded with --require as the
 * OpenTelemetry Lambda layer loads it (its size: its register entry bundled likewise).
 */
export async function buildVariants(endpoint: string): Promise<Variant[]> {
  const file = (name: string): string => resolve(OUT, `${name}.cjs`);
  await Promise.all([
    bundle('bench/handlers/bare.ts', file('bare')),
    bundle('bench/handlers/bare-post.ts', file('bare-post')),
    bundle('bench/handlers/hoptrace.ts', file('hoptrace')),
    bundle('bench/handlers/otel-sdk.ts', file('otel-sdk')),
    bundle(AUTO_REGISTER, file('otel-auto-register')),
  ]);
  // The layer patches a plain CommonJS handler module (esbuild's exports are getters it cannot wrap).
  writeFileSync(file('otel-auto'), "exports.handler = require('./bare.cjs').handler;\n");
  const exporting = {
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
    OTEL_LOG_LEVEL: 'none',
    OTEL_SERVICE_NAME: 'bench',
  };
  return [
    { name: 'bare', label: 'bare', module: file('bare'), bundle: file('bare'), nodeArgs: [], env: {} },
    {
      name: 'bare-post',
      label: 'bare + one POST',
      module: file('bare-post'),
      bundle: file('bare-post'),
      nodeArgs: [],
      env: exporting,
    },
    {
      name: 'hoptrace',
      label: 'hoptrace',
      module: file('hoptrace'),
      bundle: file('hoptrace'),
      nodeArgs: [],
      env: exporting,
    },
    {
      name: 'otel-sdk',
      label: 'OTel SDK',
      module: file('otel-sdk'),
      bundle: file('otel-sdk'),
      nodeArgs: [],
      env: exporting,
    },
    {
      name: 'otel-auto',
      label: 'OTel auto-instr.',
      module: file('otel-auto'),
      bundle: file('otel-auto-register'),
      nodeArgs: ['--require', AUTO_REGISTER],
      env: {
        ...exporting,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_NODE_RESOURCE_DETECTORS: 'env',
        LAMBDA_TASK_ROOT: OUT,
        _HANDLER: 'otel-auto.handler',
      },
    },
  ];
}

export const PROBES = resolve(ROOT, 'bench/probes');
