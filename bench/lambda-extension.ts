import { readFileSync } from 'node:fs';
import { nearestRank, sortedCopy } from '../cli/src/analysis/percentiles';
import { startLocalIngest } from '../testing/ingest-stack';
import { LambdaRuntimeApi } from '../testing/lambda-runtime-api';
import { deployment, startSandbox } from '../testing/lambda-sandbox';
import { median } from './stats';

// The same handler (a root and 3 child spans) three ways, each in a sandbox of the real
// runtime interface client against the Runtime API of testing/, with the freeze modelled;
// the traced ones export to the real local ingest (serverless-offline into kinesalite).

const BODY = `async () => {
  for (let i = 0; i < 3; i++) tracer.startSpan('step ' + i).end();
  return { ok: true };
}`;
const IMPORTS = `import { withTracing } from 'hoptrace';\nimport { trace } from '@opentelemetry/api';\nconst tracer = trace.getTracer('bench');\n`;
const VARIANTS = {
  bare: `import { trace } from '@opentelemetry/api';\nconst tracer = trace.getTracer('bench');\nexport const handler = ${BODY};\n`,
  'before-return': `${IMPORTS}export const handler = withTracing(${BODY});\n`,
  extension: `import 'hoptrace/lambda';\n${IMPORTS}export const handler = withTracing(${BODY});\n`,
} as const;
export type LambdaVariant = keyof typeof VARIANTS;

export interface LambdaFigures {
  /** From the invocation's dispatch to its response, at the Runtime API. */
  responseP50Ms: number;
  responseP99Ms: number;
  /** From the response to the freeze (the runtime and every extension waiting in next). */
  freezeP50Ms: number;
  /** From the process's start to the runtime's first next: init. */
  initMs: number;
  /** Resident memory of the sandbox after the invocations. */
  rssMb: number;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
}

async function measure(
  variant: LambdaVariant,
  endpoint: string,
  invocations: number,
  warmup: number,
): Promise<LambdaFigures> {
  const task = await deployment({ 'index.mjs': VARIANTS[variant] });
  const api = await LambdaRuntimeApi.start();
  const started = performance.now();
  const sandbox = startSandbox(api.address, task.root, {
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
    OTEL_LOG_LEVEL: 'none',
  });
  api.attach(sandbox.child.pid!);
  try {
    const responseMs: number[] = [];
    const freezeMs: number[] = [];
    for (let i = 0; i < warmup + invocations; i++) {
      const response = await api.invoke({ i });
      const frozenAt = await api.nextFreeze();
      if (i < warmup) continue;
      const dispatched = api.moments.find((m) => m.kind === 'invoke' && m.requestId === response.requestId)!.at;
      responseMs.push(response.at - dispatched);
      freezeMs.push(frozenAt - response.at);
    }
    const initMs = api.moments.find((m) => m.kind === 'runtime-next')!.at - started;
    return {
      responseP50Ms: median(responseMs),
      responseP99Ms: nearestRank(sortedCopy(responseMs), 99),
      freezeP50Ms: median(freezeMs),
      initMs,
      rssMb: rssMb(sandbox.child.pid!),
    };
  } finally {
    sandbox.kill();
    await api.close();
    task.remove();
  }
}

/**
 * Each variant in `sandboxes` fresh sandboxes of `invocations` invocations each (after a
 * warm-up); medians across sandboxes of the per-sandbox figures.
 */
export async function lambdaExtension(
  sandboxes: number,
  invocations: number,
): Promise<Record<LambdaVariant, LambdaFigures>> {
  const ingest = await startLocalIngest('bench-extension', 1);
  try {
    const runs: Record<LambdaVariant, LambdaFigures[]> = { bare: [], 'before-return': [], extension: [] };
    // Interleaved, so that a noisy neighbour hits every variant alike.
    for (let s = 0; s < sandboxes; s++) {
      for (const variant of Object.keys(VARIANTS) as LambdaVariant[])
        runs[variant].push(await measure(variant, `${ingest.url}/v1/traces`, invocations, 20));
    }
    const summary = (list: LambdaFigures[]): LambdaFigures => ({
      responseP50Ms: median(list.map((x) => x.responseP50Ms)),
      responseP99Ms: median(list.map((x) => x.responseP99Ms)),
      freezeP50Ms: median(list.map((x) => x.freezeP50Ms)),
      initMs: median(list.map((x) => x.initMs)),
      rssMb: median(list.map((x) => x.rssMb)),
    });
    return {
      bare: summary(runs.bare),
      'before-return': summary(runs['before-return']),
      extension: summary(runs.extension),
    };
  } finally {
    await ingest.stop();
  }
}
