import { pathToFileURL } from 'node:url';
import { LambdaRuntimeApi } from '../testing/lambda-runtime-api';
import { deployment, RIC, startSandbox, type Sandbox } from '../testing/lambda-sandbox';
import { median } from './stats';

// The cost of trace ids in log lines, per console.log line, under the real runtime interface
// client of this Node: a traced handler's lines against the same lines of an untraced
// handler, in the text and JSON formats. Each line goes either to the pipe the client writes
// to (as to Lambda's log descriptor; the reading process's pace is part of the figure) or, with
// the client's stdout write replaced by a no-op for the loop, nowhere: the CPU cost alone.

const TIMED = `async ({ lines, discard }) => {
  const write = process.stdout.write;
  if (discard) process.stdout.write = () => true;
  const start = process.hrtime.bigint();
  for (let i = 0; i < lines; i++) console.log('order %d shipped to %s', i, 'ann');
  const ns = Number(process.hrtime.bigint() - start) / lines;
  process.stdout.write = write;
  return ns;
}`;
const HANDLERS = {
  untraced: `export const handler = ${TIMED};\n`,
  traced: `import { withTracing } from 'hoptrace';\nexport const handler = withTracing(${TIMED});\n`,
} as const;

export interface LogCorrelationCost {
  /** ns per line, traced (ids added), and the untraced reference, for each format. */
  text: { tracedNs: number; untracedNs: number };
  json: { tracedNs: number; untracedNs: number };
}

interface Booted {
  api: LambdaRuntimeApi;
  sandbox: Sandbox;
  close: () => Promise<void>;
}

async function boot(handler: string, format: 'TEXT' | 'JSON', ric: 3 | 4): Promise<Booted> {
  const task = await deployment({ 'index.mjs': handler });
  const api = await LambdaRuntimeApi.start();
  // No endpoint: spans are dropped; only the lines are measured.
  const sandbox = startSandbox(api.address, task.root, { AWS_LAMBDA_LOG_FORMAT: format, OTEL_LOG_LEVEL: 'none' }, ric);
  api.attach(sandbox.child.pid!);
  return {
    api,
    sandbox,
    close: async () => {
      sandbox.kill();
      await api.close();
      task.remove();
    },
  };
}

/** `rounds` invocations of `lines` lines each per sandbox, sandboxes interleaved; medians. */
export async function logCorrelationCost(
  rounds: number,
  discard: boolean,
  ric: 3 | 4 = RIC,
  lines = 2000,
): Promise<LogCorrelationCost> {
  const formats = ['TEXT', 'JSON'] as const;
  const kinds = ['traced', 'untraced'] as const;
  const booted = new Map<string, Booted>();
  const samples = new Map<string, number[]>();
  try {
    for (const format of formats)
      for (const kind of kinds) booted.set(`${format}:${kind}`, await boot(HANDLERS[kind], format, ric));
    for (let round = 0; round < rounds + 1; round++) {
      for (const [key, { api, sandbox }] of booted) {
        const response = await api.invoke({ lines, discard });
        if (response.error) throw new Error(`${key}: ${response.body.toString()} ${sandbox.output().slice(-500)}`);
        // The first round warms the code paths up.
        if (round > 0) samples.set(key, [...(samples.get(key) ?? []), Number(response.body.toString())]);
      }
    }
  } finally {
    for (const b of booted.values()) await b.close();
  }
  const ns = (key: string): number => median(samples.get(key)!);
  return {
    text: { tracedNs: ns('TEXT:traced'), untracedNs: ns('TEXT:untraced') },
    json: { tracedNs: ns('JSON:traced'), untracedNs: ns('JSON:untraced') },
  };
}

// `npx tsx bench/log-correlation.ts [rounds] [3|4]`: this module alone.
if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const rounds = Number(process.argv[2] ?? 9);
  const ric = (Number(process.argv[3]) || RIC) as 3 | 4;
  for (const discard of [true, false]) {
    const cost = await logCorrelationCost(rounds, discard, ric);
    console.log(
      `aws-lambda-ric ${ric}.x, Node ${process.versions.node}, ns per console.log line, median of ${rounds}, lines ${discard ? 'discarded' : 'written to a pipe'}:`,
    );
    for (const [format, c] of Object.entries(cost)) {
      console.log(
        `  ${format}: traced ${c.tracedNs.toFixed(0)}, untraced ${c.untracedNs.toFixed(0)}, ratio ${(c.tracedNs / c.untracedNs).toFixed(2)}, added ${(c.tracedNs - c.untracedNs).toFixed(0)} ns`,
      );
    }
  }
}
