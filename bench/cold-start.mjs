// Cold start of a handler bundle: size (minified, gzipped), module init time and first
// invocation time in a fresh process each run, and resident memory. Variants are run
// interleaved so machine noise hits them alike; medians are reported.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const OUT = '.build/bench';
mkdirSync(OUT, { recursive: true });

// What a Lambda sandbox does: load the module, then invoke once. The probe times with
// process.hrtime, which loads nothing a handler might otherwise have to load itself.
const PROBE = `
const ms = () => Number(process.hrtime.bigint()) / 1e6;
const t0 = ms();
const mod = require(process.argv[1]);
const t1 = ms();
const context = { awsRequestId: 'r', functionName: 'bench', getRemainingTimeInMillis: () => 30000 };
Promise.resolve(mod.handler({ id: 'a' }, context)).then(() => {
  const t2 = ms();
  process.stdout.write(JSON.stringify({ init: t1 - t0, first: t2 - t1, rss: process.memoryUsage().rss }));
});
`;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function coldStart(variants) {
  const bundles = {};
  for (const [name, entry] of Object.entries(variants)) {
    const outfile = resolve(OUT, `${name}.cjs`);
    await build({ entryPoints: [entry], outfile, bundle: true, minify: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'silent' });
    const code = readFileSync(outfile);
    bundles[name] = { outfile, bytes: code.length, gzip: gzipSync(code).length, samples: [] };
  }
  const env = { ...process.env, OTEL_LOG_LEVEL: 'none', AWS_LAMBDA_FUNCTION_NAME: 'bench' };
  for (let i = 0; i < RUNS + 2; i++) {
    for (const bundle of Object.values(bundles)) {
      const out = execFileSync(process.execPath, ['-e', PROBE, bundle.outfile], { env });
      // The first two rounds warm the file cache and are discarded.
      if (i >= 2) bundle.samples.push(JSON.parse(out.toString()));
    }
  }
  const results = {};
  for (const [name, b] of Object.entries(bundles)) {
    results[name] = {
      bytes: b.bytes,
      gzip: b.gzip,
      initMs: median(b.samples.map((s) => s.init)),
      firstInvocationMs: median(b.samples.map((s) => s.first)),
      rssMb: median(b.samples.map((s) => s.rss)) / 2 ** 20,
    };
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await coldStart({ bare: 'bench/handlers/bare.ts', hoptrace: 'bench/handlers/hoptrace.ts' });
  const rows = Object.entries(results).map(([name, r]) => ({
    variant: name,
    'bundle min (KB)': (r.bytes / 1024).toFixed(1),
    'bundle gzip (KB)': (r.gzip / 1024).toFixed(1),
    'init (ms, median)': r.initMs.toFixed(2),
    'first invocation (ms)': r.firstInvocationMs.toFixed(2),
    'RSS (MB)': r.rssMb.toFixed(1),
  }));
  console.log(`cold start, ${RUNS} fresh processes per variant, node ${process.version}`);
  console.table(rows);
  const { bare, hoptrace } = results;
  console.log(`hoptrace adds ${(hoptrace.initMs - bare.initMs).toFixed(2)} ms of init and ${(hoptrace.rssMb - bare.rssMb).toFixed(1)} MB RSS over bare`);
}
