import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { LambdaRuntimeApi, type RuntimeApiOptions } from './lambda-runtime-api';
import { attr, OtlpReceiver, type OtlpSpan } from './otlp-receiver';

const ROOT = resolve(fileURLToPath(new URL('../', import.meta.url)));

/** The runtime interface client Lambda uses on demand on this Node: 3.x on nodejs20.x and 22.x, 4.x on 24.x. */
export const RIC: 3 | 4 = Number(process.versions.node.split('.')[0]) >= 24 ? 4 : 3;
// Installed by the checkout's npm ci into a project of its own (tools/lambda-runtime-client/).
const RIC_ENTRY = {
  3: 'tools/lambda-runtime-client/node_modules/aws-lambda-ric-3/bin/index.mjs',
  4: 'tools/lambda-runtime-client/node_modules/aws-lambda-ric-4/index.mjs',
} as const;

/**
 * A function's deployment in a temporary task root: hoptrace installed in its node_modules as
 * the package is published (the `exports` of package.json, bundles built from src/), beside
 * `@opentelemetry/api` and middy, and the handler files given. `api` is the installed package
 * that stands as `@opentelemetry/api` (`otel-api-110`: API 1.10 where the checkout pins 1.9).
 */
export async function deployment(
  files: Record<string, string>,
  api = '@opentelemetry/api',
): Promise<{ root: string; remove: () => void }> {
  const root = mkdtempSync(join(tmpdir(), 'hoptrace-task-'));
  const pkg = join(root, 'node_modules/hoptrace');
  for (const [dependency, installed] of [
    ['@opentelemetry/api', api],
    ['@middy/core', '@middy/core'],
  ] as const) {
    mkdirSync(join(root, 'node_modules', dependency, '..'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', installed), join(root, 'node_modules', dependency));
  }
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'hoptrace', type: manifest.type, main: manifest.main, exports: manifest.exports }),
  );
  const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: false, logLevel: 'silent' } as const;
  await Promise.all([
    build({
      ...common,
      entryPoints: [join(ROOT, 'src/index.ts')],
      external: ['@opentelemetry/api'],
      format: 'esm',
      outfile: join(pkg, 'dist/index.mjs'),
    }),
    build({
      ...common,
      entryPoints: [join(ROOT, 'src/index.ts')],
      external: ['@opentelemetry/api'],
      format: 'cjs',
      outfile: join(pkg, 'dist/index.cjs'),
    }),
    build({
      ...common,
      entryPoints: [join(ROOT, 'src/lambda/index.ts')],
      format: 'esm',
      outfile: join(pkg, 'dist/lambda.mjs'),
    }),
  ]);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface Sandbox {
  child: ChildProcess;
  /** Everything the process printed so far. */
  output: () => string;
  /** Kills it (thawing first is the Runtime API's job). */
  kill: () => void;
}

/** Starts the runtime interface client on `handler` in `root`, as Lambda starts a sandbox. */
export function startSandbox(
  runtimeApi: string,
  root: string,
  env: Record<string, string> = {},
  ric: 3 | 4 = RIC,
  handler = 'index.handler',
): Sandbox {
  const child = spawn(process.execPath, [join(ROOT, RIC_ENTRY[ric]), handler], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      AWS_LAMBDA_RUNTIME_API: runtimeApi,
      LAMBDA_TASK_ROOT: root,
      _HANDLER: handler,
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'traced',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/traced',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/22/[$LATEST]sandbox',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      OTEL_LOG_LEVEL: 'warn',
      HOPTRACE_SPOOL_DIR: join(root, 'spool'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    kill: () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    },
  };
}

export interface Booted {
  api: LambdaRuntimeApi;
  receiver: OtlpReceiver;
  sandbox: Sandbox;
  /** The task root: its spool dir is the sandbox's /tmp. */
  root: string;
  /** After the runtime died: a new runtime in the same sandbox, the Runtime API told. */
  restart: () => Sandbox;
}

/**
 * Boots sandboxes for one test file: a Runtime API, a deployment of `files`, the runtime
 * client, and an ingest (a fresh receiver unless one is given). `cleanup` stops them all.
 * `apiPackage`: as `deployment`'s `api`.
 */
export function sandboxes(
  ric: 3 | 4 = RIC,
  apiPackage?: string,
): {
  boot: (
    files: Record<string, string>,
    options?: RuntimeApiOptions,
    env?: Record<string, string>,
    receiver?: OtlpReceiver,
  ) => Promise<Booted>;
  cleanup: () => Promise<void>;
} {
  const cleanups: Array<() => Promise<void> | void> = [];
  return {
    async boot(files, options = {}, env = {}, receiver) {
      const ingest = receiver ?? (await OtlpReceiver.start());
      if (!receiver) cleanups.push(() => ingest.close());
      const api = await LambdaRuntimeApi.start(options);
      cleanups.push(() => api.close());
      const task = await deployment(files, apiPackage);
      cleanups.push(task.remove);
      const start = (): Sandbox => {
        const sandbox = startSandbox(
          api.address,
          task.root,
          { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: ingest.url, ...env },
          ric,
          env._HANDLER ?? 'index.handler',
        );
        cleanups.push(sandbox.kill);
        return sandbox;
      };
      const sandbox = start();
      api.attach(sandbox.child.pid!);
      const restart = (): Sandbox => {
        const next = start();
        api.restart(next.child.pid!);
        return next;
      };
      return { api, receiver: ingest, sandbox, root: task.root, restart };
    },
    async cleanup() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}

/** The spans of the trace whose root is the invocation `requestId`. */
export function spansOf(receiver: OtlpReceiver, requestId: string): OtlpSpan[] {
  const root = receiver.spans().find((s) => attr(s, 'faas.invocation_id') === requestId);
  if (!root) return [];
  return receiver.spans().filter((s) => s.traceId === root.traceId);
}

/** When each export request carrying one of `spans` arrived. */
export function arrivals(receiver: OtlpReceiver, spans: OtlpSpan[]): number[] {
  const ids = new Set(spans.map((s) => s.spanId));
  return receiver.requests
    .filter((r) =>
      r.body.resourceSpans.some((rs) => rs.scopeSpans.some((ss) => ss.spans.some((s) => ids.has(s.spanId)))),
    )
    .map((r) => r.at);
}
