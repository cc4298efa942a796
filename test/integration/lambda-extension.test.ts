import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { arrivals, RIC, sandboxes, spansOf, type Sandbox } from '../../testing/lambda-sandbox';
import { OtlpReceiver } from '../../testing/otlp-receiver';

// The real runtime interface client (aws-lambda-ric, the version Lambda runs on this Node)
// runs wrapped handlers against the Runtime and Extensions APIs of test/helpers.

const ESM_HANDLER = `import 'hoptrace/lambda';
import { withTracing } from 'hoptrace';
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
const tracer = trace.getTracer('orders');
export const handler = withTracing(async (event) => {
  await tracer.startActiveSpan('charge card', async (span) => span.end());
  // A span outside every invocation: it waits in the sandbox until an export or SIGTERM takes it.
  if (event.background) setTimeout(() => context.with(ROOT_CONTEXT, () => tracer.startSpan('background job').end()), 0);
  return { ok: true, n: event.n };
});
`;

const MIDDY_HANDLER = `import 'hoptrace/lambda';
import middy from '@middy/core';
import { tracing } from 'hoptrace';
import { trace } from '@opentelemetry/api';
export const handler = middy(async (event) => {
  trace.getTracer('orders').startSpan('charge card').end();
  return { ok: true, n: event.n };
}).use(tracing());
`;

const CJS_HANDLER = `const { withTracing } = require('hoptrace');
const { trace } = require('@opentelemetry/api');
exports.handler = withTracing(async (event) => {
  trace.getTracer('orders').startSpan('charge card').end();
  return { ok: true, n: event.n };
});
`;

// A module of several handlers, only one of them wrapped.
const SEVERAL_HANDLERS = `import 'hoptrace/lambda';
import { withTracing } from 'hoptrace';
export const traced = withTracing(async () => ({ ok: true }));
export const plain = async () => ({ ok: true, plain: true });
`;

// A callback handler that returns nothing and never calls back: on nodejs20.x/22.x the
// runtime answers (null) once the event loop is empty.
const CALLBACK_HANDLER = `import 'hoptrace/lambda';
import { withTracing } from 'hoptrace';
import { trace } from '@opentelemetry/api';
export const handler = withTracing((event, context, callback) => {
  trace.getTracer('orders').startSpan('charge card').end();
});
`;

// One that calls back: on nodejs20.x/22.x the runtime posts the answer once the event loop is empty.
const CALLING_BACK_HANDLER = `import 'hoptrace/lambda';
import { withTracing } from 'hoptrace';
import { trace } from '@opentelemetry/api';
export const handler = withTracing((event, context, callback) => {
  trace.getTracer('orders').startSpan('charge card').end();
  callback(null, { ok: true });
});
`;

const { boot, cleanup } = sandboxes();
afterEach(cleanup);

function logLines(sandbox: Sandbox, text: string): string[] {
  return sandbox
    .output()
    .split('\n')
    .filter((line) => line.includes(text));
}

describe(`hoptrace/lambda under aws-lambda-ric ${RIC}.x on Node ${process.versions.node}`, () => {
  it('posts the response before the export, and every span arrives before the freeze', async () => {
    const { api, receiver, sandbox } = await boot({ 'index.mjs': ESM_HANDLER });
    for (let n = 1; n <= 3; n++) {
      const response = await api.invoke({ n });
      expect(JSON.parse(response.body.toString())).toEqual({ ok: true, n });
      const frozenAt = await api.nextFreeze();
      const spans = spansOf(receiver, response.requestId);
      expect(spans.map((s) => s.name).sort()).toEqual(
        n === 1 ? ['charge card', 'init', 'traced'] : ['charge card', 'traced'],
      );
      for (const at of arrivals(receiver, spans)) {
        expect(at).toBeGreaterThan(response.at);
        expect(at).toBeLessThan(frozenAt);
      }
    }
    expect(api.registered).toEqual(['hoptrace']);
    expect(logLines(sandbox, '[hoptrace]')).toEqual([]);
  });

  it('does the same for a middy handler with tracing()', async () => {
    const { api, receiver } = await boot({ 'index.mjs': MIDDY_HANDLER });
    const response = await api.invoke({ n: 1 });
    expect(JSON.parse(response.body.toString())).toEqual({ ok: true, n: 1 });
    const frozenAt = await api.nextFreeze();
    const spans = spansOf(receiver, response.requestId);
    expect(spans.map((s) => s.name).sort()).toEqual(['charge card', 'init', 'traced']);
    for (const at of arrivals(receiver, spans)) expect(at > response.at && at < frozenAt).toBe(true);
  });

  it('lets the sandbox freeze by the deadline while the ingest hangs', async () => {
    const receiver = (await OtlpReceiver.start()).always({ kind: 'hang' });
    onTestFinished(() => receiver.close());
    // The export's own timeout is longer than the function's: only the deadline bounds it.
    const { api } = await boot(
      { 'index.mjs': ESM_HANDLER },
      { timeoutMs: 1500 },
      { OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '60000' },
      receiver,
    );
    const response = await api.invoke({ n: 1 });
    expect(JSON.parse(response.body.toString())).toEqual({ ok: true, n: 1 });
    await api.nextFreeze();
    expect(Date.now()).toBeLessThanOrEqual(response.deadlineMs);
    expect(receiver.attempts).toBe(1);
    expect(api.moments.filter((m) => m.kind === 'extension-next').length).toBe(2);
  });

  it('holds no invocation of an unwrapped handler of a module where another is wrapped', async () => {
    const { api } = await boot({ 'index.mjs': SEVERAL_HANDLERS }, { timeoutMs: 3000 }, { _HANDLER: 'index.plain' });
    for (let n = 0; n < 2; n++) {
      const response = await api.invoke({ n });
      expect(JSON.parse(response.body.toString())).toEqual({ ok: true, plain: true });
      const frozenAt = await api.nextFreeze();
      // Not held to 50 ms before its deadline: nothing of hoptrace's runs for it.
      expect(frozenAt - response.at).toBeLessThan(1000);
    }
  });

  it.runIf(RIC === 3)(
    'answers a callback handler that returns nothing at once: the extension keeps no timer alive',
    async () => {
      const { api, receiver } = await boot({ 'index.mjs': CALLBACK_HANDLER }, { timeoutMs: 3000 });
      for (let n = 1; n <= 2; n++) {
        const response = await api.invoke({ n });
        expect(response.error).toBe(false);
        const dispatched = api.moments.find((m) => m.kind === 'invoke' && m.requestId === response.requestId)!.at;
        // The runtime waits for an empty event loop: a held timer would put the answer at the deadline.
        expect(response.at - dispatched).toBeLessThan(1000);
        await api.nextFreeze();
        expect(spansOf(receiver, response.requestId).length).toBeGreaterThan(0);
      }
    },
  );

  it.runIf(RIC === 3)(
    'answers a callback handler at once while its export after the response still waits on the ingest',
    async () => {
      const receiver = (await OtlpReceiver.start()).always({ kind: 'hang' });
      onTestFinished(() => receiver.close());
      // A budget longer than the test: were the export to keep the event loop alive, the answer would wait for it.
      const { api } = await boot(
        { 'index.mjs': CALLING_BACK_HANDLER },
        { timeoutMs: 60_000 },
        { HOPTRACE_FLUSH_TIMEOUT_MS: '60000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '60000' },
        receiver,
      );
      // The first invocation is sporadic: its export is waited for, after the response.
      const response = await api.invoke({ n: 1 });
      expect(JSON.parse(response.body.toString())).toEqual({ ok: true });
      await vi.waitFor(() => expect(receiver.held).toBe(1));
      expect(api.isFrozen()).toBe(false);
      receiver.release();
      await api.nextFreeze();
      expect(spansOf(receiver, response.requestId).length).toBeGreaterThan(0);
    },
    20_000,
  );

  const fallbacks: Array<[string, Record<string, string>, { refuseRegistration?: boolean }, RegExp]> = [
    [
      'the registration is refused',
      { 'index.mjs': ESM_HANDLER },
      { refuseRegistration: true },
      /refused the extension's registration \(HTTP 403/,
    ],
    ['hoptrace/lambda is not loaded', { 'index.js': CJS_HANDLER }, {}, /hoptrace\/lambda was not loaded/],
  ];
  for (const [why, files, options, line] of fallbacks) {
    it(`falls back to exporting before the return when ${why}, and says why once`, async () => {
      const { api, receiver, sandbox } = await boot(files, options);
      for (let n = 1; n <= 2; n++) {
        const response = await api.invoke({ n });
        expect(JSON.parse(response.body.toString())).toEqual({ ok: true, n });
        const spans = spansOf(receiver, response.requestId);
        expect(spans.map((s) => s.name).sort()).toEqual(
          n === 1 ? ['charge card', 'init', 'traced'] : ['charge card', 'traced'],
        );
        for (const at of arrivals(receiver, spans)) expect(at).toBeLessThan(response.at);
      }
      expect(api.registered).toEqual([]);
      const lines = logLines(sandbox, '[hoptrace]');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('exporting before each invocation returns');
      // What that costs per invocation: the first export's own wait, in ms.
      expect(lines[0]).toMatch(/billed \(this one: \d+\.\d ms\)/);
      expect(lines[0]).toMatch(line);
    });
  }

  it('on SIGTERM exports what is pending and what the spool holds, within the shutdown window', async () => {
    const receiver = (await OtlpReceiver.start()).always({ kind: 'status', status: 503 });
    onTestFinished(() => receiver.close());
    const { api, sandbox } = await boot(
      { 'index.mjs': ESM_HANDLER },
      {},
      { OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '200' },
      receiver,
    );
    const response = await api.invoke({ n: 1, background: true });
    await api.nextFreeze();
    expect(receiver.requests).toHaveLength(0);
    receiver.always({ kind: 'ok' });
    const ended = await api.shutdown(sandbox.child, 500);
    // Ended by the SIGTERM once the export was done, not by the SIGKILL at the window's end.
    expect(ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(
      spansOf(receiver, response.requestId)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['charge card', 'init', 'traced']);
    expect(receiver.spans().map((s) => s.name)).toContain('background job');
  });

  const COLD_STARTS = 25;
  const activations: Array<[string, Record<string, string>, Record<string, string>]> = [
    ["import 'hoptrace/lambda' first in an ES module handler", { 'index.mjs': ESM_HANDLER }, {}],
    [
      'NODE_OPTIONS=--import hoptrace/lambda with a CommonJS handler',
      { 'index.js': CJS_HANDLER },
      { NODE_OPTIONS: '--import hoptrace/lambda' },
    ],
  ];
  for (const [activation, files, env] of activations) {
    it(`registers in ${COLD_STARTS} of ${COLD_STARTS} cold starts with ${activation}`, async () => {
      const registered: boolean[] = [];
      const receiver = await OtlpReceiver.start();
      onTestFinished(() => receiver.close());
      const coldStart = async (n: number): Promise<void> => {
        const { api } = await boot(files, {}, env, receiver);
        const response = await api.invoke({ n });
        const frozenAt = await api.nextFreeze();
        const times = arrivals(receiver, spansOf(receiver, response.requestId));
        registered.push(
          api.registered.includes('hoptrace') &&
            times.length > 0 &&
            times.every((at) => at > response.at && at < frozenAt),
        );
      };
      // Five sandboxes at a time, each a fresh process.
      for (let batch = 0; batch < COLD_STARTS; batch += 5)
        await Promise.all([0, 1, 2, 3, 4].map((i) => coldStart(batch + i)));
      expect(registered.filter(Boolean)).toHaveLength(COLD_STARTS);
    }, 120_000);
  }
});
