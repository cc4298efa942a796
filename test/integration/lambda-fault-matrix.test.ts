import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { LambdaRuntimeApi } from '../../testing/lambda-runtime-api';
import { RIC, sandboxes, type Sandbox } from '../../testing/lambda-sandbox';
import { attr, OtlpReceiver } from '../../testing/otlp-receiver';

// hoptrace/lambda's batch across invocations, case by case, under the real runtime interface
// client against the freezing Runtime + Extensions API of test/helpers: every span of every
// completed invocation reaches the ingest, counted by span id, whatever ends the sandbox.

const HANDLER = `import 'hoptrace/lambda';
import { withTracing } from 'hoptrace';
import { trace } from '@opentelemetry/api';
const tracer = trace.getTracer('matrix');
export const handler = withTracing(async (event) => {
  const ids = [trace.getActiveSpan().spanContext().spanId];
  for (let i = 0; i < 3; i++) {
    const span = tracer.startSpan('step ' + i);
    ids.push(span.spanContext().spanId);
    span.end();
  }
  if (event.die === 'exit') process.exit(1);
  if (event.die === 'throw') setTimeout(() => { throw new Error('uncaught'); }, 0);
  if (event.die === 'oom') { const hog = []; for (;;) hog.push(new Array(1e5).fill(Math.random())); }
  if (event.die) await new Promise((resolve) => setTimeout(resolve, 2000));
  // Two turns after the return: the response has gone, the spans are not yet in the journal.
  if (event.dieAfterResponse === 'exit') setImmediate(() => setImmediate(() => process.exit(1)));
  if (event.dieAfterResponse === 'throw') setImmediate(() => setImmediate(() => { throw new Error('uncaught'); }));
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  return { ids };
});
`;

const CLOCK_SHIFT = resolve(fileURLToPath(new URL('../helpers/clock-shift.mjs', import.meta.url)));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const { boot, cleanup } = sandboxes();
afterEach(cleanup);

/** Invocations paced `gapMs` apart from dispatch to dispatch, as steady traffic; the span ids each completed one made. */
async function traffic(api: LambdaRuntimeApi, count: number, gapMs: number, made: string[]): Promise<void> {
  for (let n = 0; n < count; n++) {
    const started = performance.now();
    const response = await api.invoke({ n });
    expect(response.error).toBe(false);
    made.push(...(JSON.parse(response.body.toString()) as { ids: string[] }).ids);
    await sleep(gapMs - (performance.now() - started));
  }
}

function received(receiver: OtlpReceiver): string[] {
  return receiver.spans().map((s) => s.spanId);
}

function lost(receiver: OtlpReceiver, made: string[]): string[] {
  const landed = new Set(received(receiver));
  return made.filter((id) => !landed.has(id));
}

/** The spans made against those received, by span id: the ones lost, and the ones received more than once. */
function tally(receiver: OtlpReceiver, made: string[]): { lost: string[]; duplicates: string[] } {
  const times = new Map<string, number>();
  for (const id of received(receiver)) times.set(id, (times.get(id) ?? 0) + 1);
  return { lost: lost(receiver, made), duplicates: [...times].filter(([, n]) => n > 1).map(([id]) => id) };
}

const NOTHING_LOST = { lost: [], duplicates: [] };

function exited(sandbox: Sandbox): Promise<void> {
  if (sandbox.child.exitCode !== null || sandbox.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => sandbox.child.once('exit', () => resolve()));
}

/** The environment that preloads test/helpers/clock-shift.mjs, and a way to move the sandbox's clocks ahead while it is frozen. */
function clockShift(): { clock: Record<string, string>; shift: (ms: number) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hoptrace-clock-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'shift-ms');
  return {
    clock: { CLOCK_SHIFT_FILE: file, NODE_OPTIONS: `--import ${CLOCK_SHIFT}` },
    shift: (ms) => writeFileSync(file, String(ms)),
  };
}

function spoolBytes(root: string): number {
  const walk = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce(
      (n, e) => n + (e.isDirectory() ? walk(join(dir, e.name)) : statSync(join(dir, e.name)).size),
      0,
    );
  try {
    return walk(join(root, 'spool'));
  } catch {
    return 0;
  }
}

describe(`hoptrace/lambda's batch, nothing lost, under aws-lambda-ric ${RIC}.x`, () => {
  it('steady traffic (20/s): exports on the interval, a fraction of a request per invocation, and SIGTERM (500 ms) sends the rest', async () => {
    const { api, receiver, sandbox } = await boot({ 'index.mjs': HANDLER }, {}, { HOPTRACE_EXPORT_INTERVAL_MS: '500' });
    const made: string[] = [];
    await traffic(api, 40, 50, made);
    await api.nextFreeze();
    const beforeShutdown = receiver.requests.length;
    // The last invocations' spans wait in the batch while the sandbox sleeps.
    expect(lost(receiver, made).length).toBeGreaterThan(0);
    expect(await api.shutdown(sandbox.child, 500)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(tally(receiver, made)).toEqual(NOTHING_LOST);
    // Four sporadic invocations first (flushed at their end), then one export per interval.
    expect(beforeShutdown).toBeLessThanOrEqual(40 / 4);
  }, 60_000);

  it('sporadic traffic (gaps over the interval): each invocation is exported before its freeze', async () => {
    const { api, receiver } = await boot({ 'index.mjs': HANDLER }, {}, { HOPTRACE_EXPORT_INTERVAL_MS: '100' });
    const made: string[] = [];
    for (let n = 0; n < 4; n++) {
      const response = await api.invoke({ n });
      const frozenAt = await api.nextFreeze();
      const ids = (JSON.parse(response.body.toString()) as { ids: string[] }).ids;
      made.push(...ids);
      expect(tally(receiver, made)).toEqual(NOTHING_LOST);
      const arrived = receiver.requests.filter((r) =>
        r.body.resourceSpans.some((rs) => rs.scopeSpans.some((ss) => ss.spans.some((s) => ids.includes(s.spanId)))),
      );
      for (const request of arrived) expect(request.at > response.at && request.at < frozenAt).toBe(true);
      await sleep(250);
    }
  }, 60_000);

  const deaths: Array<[string, Record<string, unknown>, Record<string, string>]> = [
    ['process.exit in a later invocation', { die: 'exit' }, {}],
    ['an uncaught exception in a later invocation', { die: 'throw' }, {}],
    ['running out of memory in a later invocation', { die: 'oom' }, { NODE_OPTIONS: '--max-old-space-size=64' }],
    // Between the response and the journal: the spans are written on the way out.
    ['process.exit right after a response', { dieAfterResponse: 'exit' }, {}],
    ['an uncaught exception right after a response', { dieAfterResponse: 'throw' }, {}],
  ];
  for (const [label, event, env] of deaths) {
    it(`a runtime that dies by ${label} loses no span of the completed invocations`, async () => {
      // An interval longer than the test: nothing batched leaves on its own.
      const { api, receiver, sandbox, restart } = await boot(
        { 'index.mjs': HANDLER },
        { timeoutMs: 1000 },
        { HOPTRACE_EXPORT_INTERVAL_MS: '60000', ...env },
      );
      const made: string[] = [];
      await traffic(api, 10, 50, made);
      const dead = exited(sandbox);
      const failed = api.invoke(event);
      if ('dieAfterResponse' in event) {
        // It answers, then dies; its extension never calls next again (the runtime client,
        // blocked in its long poll, keeps the exiting process), and Lambda resets the sandbox
        // at the deadline.
        const answer = await failed;
        expect(answer.error).toBe(false);
        made.push(...(JSON.parse(answer.body.toString()) as { ids: string[] }).ids);
        await sleep(answer.deadlineMs - Date.now());
        sandbox.kill();
      }
      await dead;
      // The dead runtime never sent the last completed invocations' spans.
      expect(lost(receiver, made).length).toBeGreaterThan(0);
      const next = restart();
      onTestFinished(() => next.kill());
      if (!('dieAfterResponse' in event)) expect((await failed).error).toBe(true);
      // The next runtime of the sandbox sends what the dead one left in /tmp.
      await traffic(api, 1, 0, made);
      await api.nextFreeze();
      expect(tally(receiver, made)).toEqual(NOTHING_LOST);
    }, 60_000);
  }

  it('a timeout: the guard exports what is batched before the deadline', async () => {
    const { api, receiver, sandbox } = await boot(
      { 'index.mjs': HANDLER },
      { timeoutMs: 1500 },
      { HOPTRACE_EXPORT_INTERVAL_MS: '60000' },
    );
    const made: string[] = [];
    await traffic(api, 8, 50, made);
    expect(lost(receiver, made).length).toBeGreaterThan(0);
    const timedOut = api.invoke({ sleepMs: 5000 });
    // Lambda ends a timed-out runtime at the deadline: whatever is not out by then stays in /tmp.
    await sleep(1500);
    expect(tally(receiver, made)).toEqual(NOTHING_LOST);
    const provisional = receiver
      .spans()
      .filter((s) => attr(s, 'hoptrace.provisional') === true && attr(s, 'faas.invocation_id') !== undefined);
    expect(provisional).toHaveLength(1);
    sandbox.kill();
    void timedOut;
  }, 60_000);

  it('the ingest down for minutes: the batch stays within its cap, drops are counted and said once, the rest arrives when it is back', async () => {
    const receiver = (await OtlpReceiver.start()).always({ kind: 'status', status: 503 });
    onTestFinished(() => receiver.close());
    const CAP = 16 * 1024;
    const { api, sandbox, root } = await boot(
      { 'index.mjs': HANDLER },
      {},
      { HOPTRACE_EXPORT_INTERVAL_MS: '200', HOPTRACE_SPOOL_MAX_BYTES: String(CAP) },
      receiver,
    );
    const made: string[] = [];
    await traffic(api, 60, 50, made);
    await api.nextFreeze();
    expect(receiver.requests).toHaveLength(0);
    expect(spoolBytes(root)).toBeLessThanOrEqual(CAP);
    receiver.always({ kind: 'ok' });
    await api.shutdown(sandbox.child, 500);
    const { lost: missing, duplicates } = tally(receiver, made);
    expect(duplicates).toEqual([]);
    expect(missing.length).toBeGreaterThan(0);
    // Every missing span is one the spool counted as dropped: the latest root carries the running total.
    const roots = receiver.spans().filter((s) => attr(s, 'faas.invocation_id') !== undefined);
    const counted = Math.max(0, ...roots.map((s) => Number(attr(s, 'hoptrace.spool.dropped_spans') ?? 0)));
    expect(counted).toBeGreaterThan(0);
    // The first body also held the cold start's init span, which no handler returns the id of;
    // nothing else is recorded (no span of the extension's own calls to the Extensions API).
    expect(counted).toBeLessThanOrEqual(missing.length + 1);
    expect(receiver.spans().filter((s) => !made.includes(s.spanId) && s.name !== 'init')).toEqual([]);
    const dropLines = sandbox
      .output()
      .split('\n')
      .filter((line) => line.includes('span(s) dropped: the spool is full'));
    expect(dropLines).toHaveLength(1);
  }, 90_000);

  it('the ingest slower than the traffic (each request 300 ms, an invocation every 50 ms): far fewer requests than invocations, every span once', async () => {
    const receiver = (await OtlpReceiver.start()).always({ kind: 'slow', ms: 300 });
    onTestFinished(() => receiver.close());
    const { api, sandbox } = await boot({ 'index.mjs': HANDLER }, {}, { HOPTRACE_EXPORT_INTERVAL_MS: '100' }, receiver);
    const made: string[] = [];
    await traffic(api, 30, 50, made);
    await api.nextFreeze();
    expect(await api.shutdown(sandbox.child, 500)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(tally(receiver, made)).toEqual(NOTHING_LOST);
    // Far fewer requests than invocations: a slow ingest does not make every invocation send.
    expect(receiver.attempts).toBeLessThan(30 / 2);
  }, 60_000);

  it('invoked once, idle for 15 minutes (clocks moved, not waited), then shut down: its spans, held by a hanging ingest, leave at SIGTERM', async () => {
    // The invocation's export hangs until the flush budget ends: its spans stay in /tmp.
    const receiver = (await OtlpReceiver.start()).next({ kind: 'hang' });
    onTestFinished(() => receiver.close());
    const { clock, shift } = clockShift();
    const { api, sandbox } = await boot(
      { 'index.mjs': HANDLER },
      {},
      { HOPTRACE_EXPORT_INTERVAL_MS: '1000', ...clock },
      receiver,
    );
    const made: string[] = [];
    await traffic(api, 1, 0, made);
    await api.nextFreeze();
    expect(receiver.attempts).toBe(1);
    expect(lost(receiver, made)).toEqual(made);
    shift(15 * 60_000);
    // Frozen longer than the clock helper caches its shift (20 ms), so the thawed process reads
    // it at once, as it would find its clocks after a real freeze.
    await sleep(100);
    expect(await api.shutdown(sandbox.child, 500)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(tally(receiver, made)).toEqual(NOTHING_LOST);
  }, 60_000);

  it('a freeze of 15 minutes (clocks moved, not waited) with an export in flight: no spurious timeout, no duplicate, and the shutdown sends the rest', async () => {
    // Slower than the gap between invocations, within the flush budget (500 ms) of a sporadic one.
    const receiver = (await OtlpReceiver.start()).always({ kind: 'slow', ms: 300 });
    onTestFinished(() => receiver.close());
    const { clock, shift } = clockShift();
    const { api, sandbox } = await boot(
      { 'index.mjs': HANDLER },
      {},
      { HOPTRACE_EXPORT_INTERVAL_MS: '100', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '1000', ...clock },
      receiver,
    );
    const made: string[] = [];
    await traffic(api, 8, 50, made);
    // Until the sandbox freezes with an export in flight: its request arrived, its answer comes while frozen.
    for (let n = 0; n < 40; n++) {
      await traffic(api, 1, 50, made);
      await api.nextFreeze();
      if (receiver.requests.length < receiver.attempts) break;
    }
    expect(receiver.requests.length).toBeLessThan(receiver.attempts);
    receiver.always({ kind: 'ok' });
    // Longer than the request timeout in real time, so its timer is due at the thaw, as after 15 minutes.
    await sleep(3000);
    shift(15 * 60_000);
    expect(await api.shutdown(sandbox.child, 500)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(tally(receiver, made)).toEqual(NOTHING_LOST);
    expect(receiver.attempts).toBe(receiver.requests.length);
  }, 60_000);
});
