// `npx tsx bench/ingest-init.ts [runs]`: the ingest's cold start, as packaged (esbuild with
// serverless.yml's settings: minified, linked source map, node24), with and without
// --enable-source-maps, against a local SSM (the keys) and kinesalite. Each run is a fresh
// process; the two cases alternate, so both meet the same machine load. Prints medians and
// the ratio of the two.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { createStream, startKinesalite } from '../testing/kinesis';
import { startSsmEndpoint } from '../testing/ssm-endpoint';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.argv[2] ?? 9);
const NODE = process.env.BENCH_NODE ?? process.execPath;
const KEY = 'bench-key-0123456789abcdef';

interface Probe {
  bootMs: number;
  loadMs: number;
  loadCpuMs: number;
  status: number;
  firstAnswerMs: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hoptrace-ingest-init-'));
  const bundle = join(dir, 'handler.js');
  await build({
    entryPoints: [join(ROOT, 'handlers/ingest/handler.ts')],
    outfile: bundle,
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    target: 'node24',
    platform: 'node',
    format: 'cjs',
    logLevel: 'silent',
  });
  const kinesis = await startKinesalite();
  await createStream(kinesis.client, 'spans', 1);
  const ssm = await startSsmEndpoint({
    '/bench/keys': { type: 'SecureString', value: JSON.stringify({ bench: [KEY] }) },
  });
  const body = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: '0af7651916cd43dd8448eb211c80319c',
                spanId: 'b7ad6b7169203331',
                name: 'bench',
                kind: 1,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000100000000',
              },
            ],
          },
        ],
      },
    ],
  });
  const env = {
    ...process.env,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    HOPTRACE_STREAM_NAME: 'spans',
    HOPTRACE_KINESIS_ENDPOINT: kinesis.endpoint,
    HOPTRACE_SSM_ENDPOINT: ssm.url,
    HOPTRACE_INGEST_KEYS_PARAMETER: '/bench/keys',
    // A local emulator's first answers are slow; the figure is the ingest's own time.
    HOPTRACE_INGEST_ANSWER_MS: '5000',
    PROBE_KEY: KEY,
    PROBE_BODY: body,
  };
  const cases = { plain: [] as string[], 'enable-source-maps': ['--enable-source-maps'] };
  const results: Record<string, Probe[]> = { plain: [], 'enable-source-maps': [] };
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const [name, flags] of Object.entries(cases)) {
        const { stdout } = await run(NODE, [...flags, join(ROOT, 'bench/probes/ingest-init.cjs'), bundle], { env });
        results[name]!.push(JSON.parse(stdout) as Probe);
      }
    }
  } finally {
    await ssm.close();
    await kinesis.close();
  }
  console.log(
    `ingest bundle: ${(statSync(bundle).size / 1024).toFixed(0)} KiB, map ${(statSync(`${bundle}.map`).size / 1024).toFixed(0)} KiB; ${NODE}; ${RUNS} cold starts per case`,
  );
  console.log('case                 node boot   load wall   load CPU   first answer (from process start)   statuses');
  for (const [name, probes] of Object.entries(results)) {
    const m = (k: keyof Probe) =>
      median(probes.map((p) => p[k]))
        .toFixed(1)
        .padStart(8);
    console.log(
      `${name.padEnd(20)} ${m('bootMs')} ms ${m('loadMs')} ms ${m('loadCpuMs')} ms ${m('firstAnswerMs')} ms                      ${[...new Set(probes.map((p) => p.status))].join(',')}`,
    );
  }
  const ratio = (k: keyof Probe) =>
    (median(results['enable-source-maps']!.map((p) => p[k])) / median(results.plain!.map((p) => p[k]))).toFixed(2);
  console.log(
    `--enable-source-maps / plain: load CPU ${ratio('loadCpuMs')}x, load wall ${ratio('loadMs')}x, first answer ${ratio('firstAnswerMs')}x`,
  );
  rmSync(dir, { recursive: true, force: true });
}

void main();
