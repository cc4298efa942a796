// The library's footprint next to the OpenTelemetry SDK: init, bundle and warm CPU rows of
// `npm run bench`, and `npm run bench -- --footprint`, which measures only these (cold start
// and warm modules) and prints them without touching BENCHMARKS.md.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ColdResult } from './cold-start';
import type { InitInstructions } from './init-instructions';
import type { VariantName } from './variants';
import type { WarmResult } from './warm';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A row of the bench's targets table: a figure, its reference, their ratio and the target. */
export interface TargetRow {
  figure: string;
  hoptrace: string;
  reference: string;
  ratio: number;
  target: string;
  met: boolean;
}

/** The installed version of a reference package, read so that the text never goes stale. */
function installed(name: string): string {
  return (JSON.parse(readFileSync(resolve(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
}

export function referenceNote(): string {
  return (
    `The OTel SDK variant is \`@opentelemetry/sdk-trace-node\` ${installed('@opentelemetry/sdk-trace-node')} with a \`BatchSpanProcessor\` and the OTLP/HTTP exporter ${installed('@opentelemetry/exporter-trace-otlp-http')}, a SERVER root span and \`forceFlush\` per invocation, as its Lambda instrumentation does. ` +
    `The auto-instrumentation variant loads \`@opentelemetry/auto-instrumentations-node\` ${installed('@opentelemetry/auto-instrumentations-node')} with \`--require\`, as the OpenTelemetry Lambda layer does (its size: its register entry bundled the same way). ` +
    'These are the newest versions that install and run on Node 20: the exporter 0.300 and later, `@opentelemetry/sdk-trace` 3.x and auto-instrumentations 0.82 require Node ≥ 22.15 (`npm view <package> engines`).'
  );
}

const f = (n: number, digits = 1): string => n.toFixed(digits);

/** Init instructions added over bare, hoptrace's and the SDK's; none when valgrind counted nothing. */
function instructionRow(
  figure: string,
  target: string,
  { bare, hoptrace, 'otel-sdk': sdk }: InitInstructions,
): TargetRow[] {
  if (bare === undefined || hoptrace === undefined || sdk === undefined) return [];
  const ratio = (hoptrace - bare) / (sdk - bare);
  return [
    {
      figure,
      hoptrace: f((hoptrace - bare) / 1e6),
      reference: f((sdk - bare) / 1e6),
      ratio,
      target,
      met: ratio <= 1 / 10,
    },
  ];
}

/**
 * Init, bundle and warm CPU against the SDK. The warm variants export before each return (no
 * extension), so both pay one POST per invocation; what is over that POST is the span,
 * encoding and wrapper work. Init is also given in instructions when valgrind could count them:
 * from a bare Node, and with the builtins the runtime client loads before the handler already
 * loaded, as in a Lambda sandbox (`underRuntimeClient`).
 */
export function footprintRows(
  cold: Record<VariantName, ColdResult>,
  warm: Record<string, WarmResult>,
  instructions: InitInstructions = {},
  underRuntimeClient: InitInstructions = {},
): TargetRow[] {
  const { hoptrace, 'otel-sdk': sdk } = cold;
  const cpuAdded = (name: string): number => warm[name]!.cpuUs - warm.bare!.cpuUs;
  const overPost = (name: string): number => cpuAdded(name) - cpuAdded('bare-post');
  const initRatio = hoptrace.initAddedMs / sdk.initAddedMs;
  const bundleRatio = hoptrace.bytes / sdk.bytes;
  return [
    ...instructionRow('init instructions added over bare (millions, callgrind)', '≤ 1/10', instructions),
    ...instructionRow(
      'init instructions added over bare, the builtins the runtime client loads before the handler already loaded (millions, callgrind)',
      '(context)',
      underRuntimeClient,
    ),
    {
      figure: 'init time added over bare (ms)',
      hoptrace: f(hoptrace.initAddedMs, 2),
      reference: f(sdk.initAddedMs, 2),
      ratio: initRatio,
      target: '≤ 1/10',
      met: initRatio <= 1 / 10,
    },
    {
      figure: 'bundle size, minified (KB)',
      hoptrace: f(hoptrace.bytes / 1024),
      reference: f(sdk.bytes / 1024),
      ratio: bundleRatio,
      target: '≤ 1/6',
      met: bundleRatio <= 1 / 6,
    },
    {
      figure: 'warm CPU per invocation (µs)',
      hoptrace: f(warm.hoptrace!.cpuUs, 0),
      reference: f(warm['otel-sdk']!.cpuUs, 0),
      ratio: warm.hoptrace!.cpuUs / warm['otel-sdk']!.cpuUs,
      target: '(context)',
      met: true,
    },
    {
      figure: 'warm CPU added over bare (µs)',
      hoptrace: f(cpuAdded('hoptrace'), 0),
      reference: f(cpuAdded('otel-sdk'), 0),
      ratio: cpuAdded('hoptrace') / cpuAdded('otel-sdk'),
      target: '(context)',
      met: true,
    },
    {
      figure: 'warm CPU added over bare + one POST: spans, encoding, wrapper (µs)',
      hoptrace: f(overPost('hoptrace'), 0),
      reference: f(overPost('otel-sdk'), 0),
      ratio: overPost('hoptrace') / overPost('otel-sdk'),
      target: '(context)',
      met: true,
    },
  ];
}

/** The note on what makes hoptrace's bundle, from esbuild's metafile of this run's bundle. */
export function bundleNote(inputs: Record<string, number>): string {
  const own = Object.entries(inputs).filter(([path]) => path.startsWith('src/'));
  const ownBytes = own.reduce((sum, [, bytes]) => sum + bytes, 0);
  const apiBytes = Object.entries(inputs).reduce(
    (sum, [path, bytes]) => sum + (path.includes('@opentelemetry/api') ? bytes : 0),
    0,
  );
  const largest = own
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([path, bytes]) => `${path.slice(4)} ${f(bytes / 1024)} KB`);
  return `- **Bundle.** hoptrace's own code is ${f(ownBytes / 1024)} KB minified over ${own.length} modules (esbuild metafile; largest ${largest.join(', ')}), with no single large part; \`@opentelemetry/api\` is another ${f(apiBytes / 1024)} KB.`;
}
