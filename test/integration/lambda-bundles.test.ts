import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaRuntimeApi } from '../../testing/lambda-runtime-api';
import { arrivals, deployment, RIC, spansOf, startSandbox } from '../../testing/lambda-sandbox';
import { OtlpReceiver } from '../../testing/otlp-receiver';

// Bundled handlers, deployed without node_modules: the preload copied beside the bundle and
// loaded by path, or inlined into an ES module bundle.

const SOURCE = `import { withTracing } from 'hoptrace';
import { trace } from '@opentelemetry/api';
export const handler = withTracing(async () => {
  trace.getTracer('orders').startSpan('charge card').end();
  return { ok: true };
});
`;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Bundles `source` (with hoptrace as installed) into a fresh task root that has no node_modules. */
async function bundled(source: string, format: 'cjs' | 'esm'): Promise<string> {
  const project = await deployment({ 'entry.mjs': source });
  cleanups.push(project.remove);
  const root = mkdtempSync(join(tmpdir(), 'hoptrace-bundle-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  await build({
    entryPoints: [join(project.root, 'entry.mjs')],
    outfile: join(root, format === 'cjs' ? 'index.js' : 'index.mjs'),
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format,
    logLevel: 'silent',
  });
  copyFileSync(join(project.root, 'node_modules/hoptrace/dist/lambda.mjs'), join(root, 'hoptrace-lambda.mjs'));
  return root;
}

describe(`bundled handlers under aws-lambda-ric ${RIC}.x`, () => {
  const cases: Array<[string, string, 'cjs' | 'esm', Record<string, string>]> = [
    ['a CommonJS bundle with the preload by path', SOURCE, 'cjs', { NODE_OPTIONS: '--import ./hoptrace-lambda.mjs' }],
    [
      "an ES module bundle that starts with import 'hoptrace/lambda'",
      `import 'hoptrace/lambda';\n${SOURCE}`,
      'esm',
      {},
    ],
  ];
  for (const [name, source, format, env] of cases) {
    it(`${name}: registers, and exports after the response, before the freeze`, async () => {
      const root = await bundled(source, format);
      const receiver = await OtlpReceiver.start();
      cleanups.push(() => receiver.close());
      const api = await LambdaRuntimeApi.start();
      cleanups.push(() => api.close());
      const sandbox = startSandbox(api.address, root, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url, ...env });
      cleanups.push(sandbox.kill);
      api.attach(sandbox.child.pid!);
      const response = await api.invoke({});
      expect(JSON.parse(response.body.toString())).toEqual({ ok: true });
      const frozenAt = await api.nextFreeze();
      expect(api.registered).toEqual(['hoptrace']);
      const spans = spansOf(receiver, response.requestId);
      expect(spans.map((s) => s.name)).toContain('charge card');
      const times = arrivals(receiver, spans);
      expect(times.length).toBeGreaterThan(0);
      for (const at of times) expect(at > response.at && at < frozenAt).toBe(true);
      expect(sandbox.output()).not.toContain('[hoptrace]');
    });
  }
});
