import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sandboxes, spansOf } from '../../testing/lambda-sandbox';
import { attr, type OtlpReceiver } from '../../testing/otlp-receiver';

// Lambda Managed Instances: aws-lambda-ric 4.x (the client of every runtime that offers them)
// serves concurrent invocations from worker threads of one process that is never frozen.

const HANDLER = `import { withTracing } from 'hoptrace';
import { trace } from '@opentelemetry/api';
const tracer = trace.getTracer('orders');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const handler = withTracing(async (event) => {
  await tracer.startActiveSpan('load', async (load) => {
    await sleep(event.delay);
    await tracer.startActiveSpan('query', async (query) => {
      await sleep(event.delay);
      query.end();
    });
    load.end();
  });
  return { n: event.n };
});
`;

const ENV = {
  NODE_OPTIONS: '--import hoptrace/lambda',
  AWS_LAMBDA_MAX_CONCURRENCY: '16',
  AWS_LAMBDA_NODEJS_WORKER_COUNT: '2',
  OTEL_PROPAGATORS: 'tracecontext,xray',
};

const { boot, cleanup } = sandboxes(4);
afterEach(cleanup);

interface Caller {
  n: number;
  traceId: string;
  parent: string;
  tenant: string;
}

function callers(count: number): Caller[] {
  return Array.from({ length: count }, (_, n) => ({
    n,
    traceId: randomBytes(16).toString('hex'),
    parent: randomBytes(8).toString('hex'),
    tenant: `tenant-${n}`,
  }));
}

function xrayHeader(c: Caller): string {
  return `Root=1-${c.traceId.slice(0, 8)}-${c.traceId.slice(8)};Parent=${c.parent};Sampled=1`;
}

/** Every invocation's trace continues its own caller's, with its own tenant, every parent right. */
function expectTraces(receiver: OtlpReceiver, calls: Caller[], requestIds: string[]): void {
  calls.forEach((c, i) => {
    const spans = spansOf(receiver, requestIds[i]!);
    const root = spans.find((s) => attr(s, 'faas.invocation_id') === requestIds[i])!;
    const load = spans.find((s) => s.name === 'load')!;
    const query = spans.find((s) => s.name === 'query')!;
    expect(root.traceId).toBe(c.traceId);
    expect(root.parentSpanId).toBe(c.parent);
    expect(attr(root, 'aws.lambda.tenant_id')).toBe(c.tenant);
    expect(load.parentSpanId).toBe(root.spanId);
    expect(query.parentSpanId).toBe(load.spanId);
    // The first invocation of each worker thread also carries its init span.
    expect(spans.filter((s) => s.name !== 'init')).toHaveLength(3);
  });
}

describe(`Managed Instances under aws-lambda-ric 4.x on Node ${process.versions.node}`, () => {
  it('serves concurrent invocations in one process, exports them in background batches, every parent right', async () => {
    const { api, receiver, sandbox } = await boot({ 'index.mjs': HANDLER }, { maxConcurrency: 16 }, ENV);
    const calls = callers(40);
    const responses = await Promise.all(
      calls.map((c) =>
        api.invoke({ n: c.n, delay: 5 + (c.n % 7) * 3 }, { traceId: xrayHeader(c), tenantId: c.tenant }),
      ),
    );
    expect(responses.map((r) => JSON.parse(r.body.toString()).n)).toEqual(calls.map((c) => c.n));
    expect(api.registered).toEqual(['hoptrace']);
    // Within the batch age, without a further invocation.
    await vi.waitFor(() => expect(receiver.spans().length).toBeGreaterThanOrEqual(40 * 3), {
      timeout: 10_000,
      interval: 50,
    });
    expectTraces(
      receiver,
      calls,
      responses.map((r) => r.requestId),
    );
    // Batches, not one export per invocation.
    expect(receiver.requests.length).toBeLessThan(40);
    expect(api.isFrozen()).toBe(false);
    expect(sandbox.output()).not.toContain('[hoptrace]');
  });

  it('exports what the worker threads hold on SIGTERM, within the shutdown window', async () => {
    const { api, receiver, sandbox } = await boot({ 'index.mjs': HANDLER }, { maxConcurrency: 16 }, ENV);
    const calls = callers(16);
    const responses = await Promise.all(
      calls.map((c) => api.invoke({ n: c.n, delay: 1 }, { traceId: xrayHeader(c), tenantId: c.tenant })),
    );
    // At once: the batches are younger than their age limit, so only the shutdown sends them.
    const ended = await api.shutdown(sandbox.child, 500);
    expect(ended).toEqual({ code: null, signal: 'SIGTERM' });
    expectTraces(
      receiver,
      calls,
      responses.map((r) => r.requestId),
    );
  });
});
