import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStream, readStream, spansFromRecords } from '../../testing/kinesis';
import { withTracing } from '../../src/index';
import { startIngestBed, TENANT_KEYS, type IngestBed } from '../helpers/ingest-bed';
import type { FaultPlan } from '../helpers/kinesis-fault-proxy';
import { lambdaContext } from '../helpers/lambda';
import { exportRequest, otlpSpan } from '../helpers/otlp-payload';

// The ingest-side fault matrix, end to end, on the defaults of both sides: wrapped handlers
// export with the library's own flush budget (500 ms) to the ingest (answer within 350 ms,
// the deployed timeout), run by serverless-offline behind the REST API's stand-in, which
// writes to kinesalite through a proxy that injects each fault. While a fault lasts, the
// handler's result is unchanged and its added time stays within the flush budget; once it
// clears, while the sandbox lives, every span is in the stream.

const BUDGET_MS = 500;
const SLACK_MS = 1500;

let bed: IngestBed;
let spoolDir: string;
const plan: FaultPlan = {};

beforeAll(async () => {
  bed = await startIngestBed('spans', {
    down: () => plan.down?.() ?? false,
    failEntry: (call, i) => plan.failEntry?.(call, i) ?? false,
    failCall: (call) => plan.failCall?.(call) ?? false,
  });
  spoolDir = mkdtempSync(join(tmpdir(), 'hoptrace-fault-matrix-'));
  // A deployed ingest under traffic is warm. A cold one (a second or more here: the bundle,
  // the keys, the Kinesis client's first call) overruns the library's budget, which the
  // spool then covers; that is the spool's subject, not this file's. The library resends its
  // spool alongside the new spans, so sandboxes are warmed in threes, with one span each.
  for (const route of ['faulty', 'missing'] as const) {
    const warm = () =>
      fetch(`${bed.base(route)}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': TENANT_KEYS.tests },
        body: JSON.stringify(exportRequest([otlpSpan()])),
      });
    await Promise.all([warm(), warm(), warm()]);
  }
}, 120_000);

afterAll(async () => {
  await bed?.stop();
  rmSync(spoolDir, { recursive: true, force: true });
});

/** A sandbox: one wrapped handler, its spool, the ids of every span it made. */
function sandbox(route: 'faulty' | 'missing', stream: string) {
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
      endpoint: `${bed.base(route)}/v1/traces`,
      headers: { 'x-api-key': TENANT_KEYS.tests },
      spool: { dir: join(spoolDir, `${route}-${Date.now()}`), maxBytes: 1024 * 1024 },
    },
  );
  const invoke = async (n: number): Promise<number> => {
    const start = performance.now();
    expect(await handler({ n }, lambdaContext())).toEqual({ n });
    return performance.now() - start;
  };
  const lost = async (): Promise<string[]> => {
    const landed = new Set((await spansFromRecords(await readStream(bed.kinesis.client, stream))).map((s) => s.spanId));
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
  it.each(faults)(
    '%s',
    async (_label, fault) => {
      const { invoke, lost } = sandbox('faulty', 'spans');
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
    },
    60_000,
  );

  it('a stream that does not exist yet', async () => {
    const { invoke, lost } = sandbox('missing', 'does-not-exist');
    for (let n = 0; n < 2; n++) expect(await invoke(n)).toBeLessThan(BUDGET_MS + SLACK_MS);
    await createStream(bed.kinesis.client, 'does-not-exist', 1);
    expect((await lost()).length).toBe(8);
    await invoke(2);
    expect(await lost()).toEqual([]);
  }, 60_000);
});
