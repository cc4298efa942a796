import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleHandler } from '../../local/bundle';
import { createStream, readStream, spansFromRecords, startKinesalite, type LocalKinesis } from '../../local/kinesis';
import { startOffline, type Offline } from '../../local/serverless-offline';
import { withTracing } from '../../src/index';
import { resetColdStartForTests } from '../../src/wrapper/cold-start';
import { startFaultProxy, type FaultPlan, type FaultProxy } from '../helpers/kinesis-fault-proxy';
import { lambdaContext } from '../helpers/lambda';

// The ingest-side fault matrix, end to end: wrapped handlers export to the ingest in
// serverless-offline, which writes to kinesalite through a proxy that injects each fault.
// While a fault lasts, the handler's result is unchanged and its added time stays within
// the flush budget; once it clears, while the sandbox lives, every span is in the stream.

const FIXTURE = fileURLToPath(new URL('../fixtures/ingest/', import.meta.url));
const API_KEY = 'fault-matrix-key';
const BUDGET_MS = 2500;
const SLACK_MS = 1500;

let kinesis: LocalKinesis;
let proxy: FaultProxy;
let offline: Offline;
let spoolDir: string;
const plan: FaultPlan = {};

beforeAll(async () => {
  kinesis = await startKinesalite();
  await createStream(kinesis.client, 'spans');
  proxy = await startFaultProxy(kinesis.endpoint, {
    down: () => plan.down?.() ?? false,
    failEntry: (call, i) => plan.failEntry?.(call, i) ?? false,
    failCall: (call) => plan.failCall?.(call) ?? false,
  });
  await bundleHandler(fileURLToPath(new URL('../../handlers/ingest/handler.ts', import.meta.url)), `${FIXTURE}.build/handler.cjs`);
  offline = await startOffline(FIXTURE, { INGEST_STREAM: 'spans', INGEST_API_KEY: API_KEY, INGEST_KINESIS_ENDPOINT: kinesis.endpoint, INGEST_FAULTY_ENDPOINT: proxy.url });
  spoolDir = mkdtempSync(join(tmpdir(), 'hoptrace-fault-matrix-'));
});

afterAll(async () => {
  await offline?.stop();
  await proxy?.close();
  await kinesis?.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

/** A sandbox: one wrapped handler, its spool, the ids of every span it made. */
function sandbox(path: string, stream: string) {
  resetColdStartForTests();
  const made: string[] = [];
  const handler = withTracing(
    async (event: { n: number }) => {
      made.push(trace.getActiveSpan()!.spanContext().spanId);
      for (let i = 0; i < 3; i++) {
        const span = trace.getTracer('matrix').startSpan(`step ${i}`);
        made.push(span.spanContext().spanId);
        span.end();
      }
      return { n: event.n };
    },
    {
      endpoint: `${offline.httpUrl}${path}`,
      headers: { 'x-api-key': API_KEY },
      flushTimeoutMs: BUDGET_MS,
      spool: { dir: join(spoolDir, `${path.replace(/\W/g, '')}-${Date.now()}`), maxBytes: 1024 * 1024 },
    },
  );
  const invoke = async (n: number): Promise<number> => {
    const start = performance.now();
    expect(await handler({ n }, lambdaContext())).toEqual({ n });
    return performance.now() - start;
  };
  const lost = async (): Promise<string[]> => {
    const landed = new Set((await spansFromRecords(await readStream(kinesis.client, stream))).map((s) => s.spanId));
    return made.filter((id) => !landed.has(id));
  };
  return { invoke, lost };
}

const faults: Array<[string, FaultPlan]> = [
  ['Kinesis unreachable', { down: () => true }],
  ['every entry throttled', { failEntry: () => true }],
  ['a share of the entries failing', { failEntry: (_call, i) => i % 2 === 0 }],
  ['an InternalFailure on every call', { failCall: () => true }],
];

describe('ingest faults, end to end, nothing lost once they clear', () => {
  it.each(faults)('%s', async (_label, fault) => {
    const { invoke, lost } = sandbox('/faulty/v1/traces', 'spans');
    Object.assign(plan, fault);
    try {
      for (let n = 0; n < 2; n++) expect(await invoke(n)).toBeLessThan(BUDGET_MS + SLACK_MS);
      // The fault bit: spans are missing from the stream while it lasts.
      expect((await lost()).length).toBeGreaterThan(0);
    } finally {
      for (const key of Object.keys(plan) as Array<keyof FaultPlan>) delete plan[key];
    }
    await invoke(2);
    expect(await lost()).toEqual([]);
  }, 60_000);

  it('a stream that does not exist yet', async () => {
    const { invoke, lost } = sandbox('/missing/v1/traces', 'does-not-exist');
    for (let n = 0; n < 2; n++) expect(await invoke(n)).toBeLessThan(BUDGET_MS + SLACK_MS);
    await createStream(kinesis.client, 'does-not-exist', 1);
    expect((await lost()).length).toBe(8);
    await invoke(2);
    expect(await lost()).toEqual([]);
  }, 60_000);
});
