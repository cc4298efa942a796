import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffMs } from '../../src/backoff';
import { resolveConfig } from '../../src/config/options';
import { withTracing } from '../../src/index';
import { advanceWallClock } from '../helpers/clock';
import { lambdaContext } from '../helpers/lambda';
import { OtlpReceiver, type Behaviour } from '../../testing/otlp-receiver';
import { useReceiver } from '../helpers/test-bed';
import { warningsWhile } from '../helpers/warnings';

// The default budget: these tests are about what users get.
const BUDGET_MS = resolveConfig({}, {}).flushTimeoutMs;
// The flush adds at most the budget, and a noisy machine less than another on top; a missed
// deadline shows as the endpoint's own delay (ten budgets, or forever), past this bound.
const BOUND_MS = 2 * BUDGET_MS;

const receiver = useReceiver();
// A spool of each test's own: what one test could not deliver is not resent in the next.
let spoolDir: string;
beforeEach(() => {
  spoolDir = mkdtempSync(join(tmpdir(), 'hoptrace-export-faults-'));
});
afterEach(() => rmSync(spoolDir, { recursive: true, force: true }));

async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}/v1/traces`;
}

/** Runs one invocation with two spans (default budget unless given); returns the result and the time the wrapper added. */
async function invoke(endpoint: string, budgetMs?: number): Promise<{ result: unknown; addedMs: number }> {
  const expected = { statusCode: 200, body: 'unchanged' };
  let handlerDone = 0;
  const handler = withTracing(
    async () => {
      trace.getTracer('t').startSpan('work').end();
      handlerDone = performance.now();
      return expected;
    },
    { endpoint, flushTimeoutMs: budgetMs, spool: { dir: spoolDir, maxBytes: 1024 * 1024 } },
  );
  const result = await handler({}, lambdaContext());
  expect(result).toBe(expected);
  return { result, addedMs: performance.now() - handlerDone };
}

/** Attempts that fit `budgetMs` when every retry waits the least the backoff allows. */
function mostAttemptsWithin(budgetMs: number): number {
  let attempts = 1;
  let waited = 0;
  while ((waited += backoffMs(attempts - 1, () => 0)) < budgetMs) attempts++;
  return attempts;
}

describe('a failing endpoint never breaks or stalls the handler', () => {
  const slowMs = 10 * BUDGET_MS;
  const cases: Array<[string, Behaviour[], () => void]> = [
    ['hangs', [{ kind: 'hang' }], () => expect(receiver().attempts).toBe(1)],
    ['answers 500', [{ kind: 'status', status: 500 }], () => expect(receiver().attempts).toBe(1)],
    ['answers 400', [{ kind: 'status', status: 400 }], () => expect(receiver().attempts).toBe(1)],
    // Not waited for: a retry after it would be past the budget.
    [
      'answers 429 with a Retry-After past the budget',
      [{ kind: 'status', status: 429, retryAfter: String(slowMs / 1000) }],
      () => expect(receiver().attempts).toBe(1),
    ],
    [
      'answers 503 again and again',
      Array.from({ length: 50 }, () => ({ kind: 'status', status: 503 }) as Behaviour),
      () => {
        expect(receiver().attempts).toBeGreaterThan(1);
        expect(receiver().attempts).toBeLessThanOrEqual(mostAttemptsWithin(BUDGET_MS));
      },
    ],
    // Returned before the endpoint answered (it records a request as it answers).
    [
      'answers slower than the budget',
      [{ kind: 'slow', ms: slowMs }],
      () => expect(receiver().requests).toHaveLength(0),
    ],
  ];

  it.each(cases)('returns the result within the budget when the endpoint %s', async (_label, behaviours, check) => {
    receiver().next(...behaviours);
    const { addedMs } = await invoke(receiver().url);
    expect(addedMs).toBeLessThan(BOUND_MS);
    check();
  });

  it('returns within the budget when the endpoint refuses connections', async () => {
    const { addedMs } = await invoke(await closedPortUrl());
    expect(addedMs).toBeLessThan(BOUND_MS);
  });

  it('returns within the budget when the endpoint host does not resolve', async () => {
    const { addedMs } = await invoke('http://hoptrace-ingest.invalid/v1/traces');
    expect(addedMs).toBeLessThan(BOUND_MS);
  });

  it('does not retry a non-retryable status', async () => {
    receiver().next({ kind: 'status', status: 500 });
    await invoke(receiver().url);
    expect(receiver().attempts).toBe(1);
    receiver().next({ kind: 'status', status: 400 });
    await invoke(receiver().url);
    expect(receiver().attempts).toBe(2);
    expect(receiver().requests).toHaveLength(0);
  });
});

// Three jittered backoffs may add up to 350 ms, and a busy machine adds more: these tests are about
// delivery, so their budget leaves room for every retry.
const RETRY_BUDGET_MS = 5000;

describe('retryable failures are retried within the budget', () => {
  it('honours a Retry-After that fits the budget and delivers', async () => {
    receiver().next({ kind: 'status', status: 429, retryAfter: '0' });
    await invoke(receiver().url, RETRY_BUDGET_MS);
    expect(receiver().attempts).toBe(2);
    expect(
      receiver()
        .spans()
        .map((s) => s.name),
    ).toContain('work');
  });

  it('backs off after 502/503/504 and delivers', async () => {
    receiver().next({ kind: 'status', status: 502 }, { kind: 'status', status: 503 }, { kind: 'status', status: 504 });
    await invoke(receiver().url, RETRY_BUDGET_MS);
    expect(receiver().attempts).toBe(4);
    expect(
      receiver()
        .spans()
        .map((s) => s.name),
    ).toContain('work');
  });

  it('retries on a fresh connection when the response is cut mid-body', async () => {
    receiver().next({ kind: 'reset-mid-body' });
    await invoke(receiver().url, RETRY_BUDGET_MS);
    expect(receiver().attempts).toBe(2);
    expect(
      receiver()
        .spans()
        .map((s) => s.name),
    ).toContain('work');
  });
});

describe('the backoff has a floor', () => {
  it('does not loop on an endpoint that answers 503 with Retry-After: 0', async () => {
    receiver().always({ kind: 'status', status: 503, retryAfter: '0' });
    await invoke(receiver().url);
    expect(receiver().attempts).toBeGreaterThan(1);
    expect(receiver().attempts).toBeLessThanOrEqual(mostAttemptsWithin(BUDGET_MS));
  });
});

describe('the remaining time caps the flush', () => {
  it('never flushes past the deadline minus the margin', async () => {
    receiver().next({ kind: 'hang' });
    const handler = withTracing(async () => 'ok', {
      endpoint: receiver().url,
      flushTimeoutMs: 60_000,
      flushMarginMs: 200,
      timeoutGuardMs: 0,
    });
    const context = lambdaContext({ timeoutMs: 1000 });
    await handler({}, context);
    // Lambda's deadline not reached: the flush stopped short of it, not the endpoint's minute.
    expect(context.getRemainingTimeInMillis!()).toBeGreaterThan(0);
  });
});

describe('failure logging', () => {
  it('logs a failing endpoint once, not once per invocation', async () => {
    receiver().always({ kind: 'status', status: 500 });
    const lines = await warningsWhile('HTTP 500', async () => {
      for (let i = 0; i < 5; i++) await invoke(receiver().url);
    });
    expect(receiver().attempts).toBe(5);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[hoptrace\] export of \d+ span\(s\) to http:\/\/127\.0\.0\.1:\d+\/v1\/traces failed: HTTP 500; dropped\.$/,
    );
  });
});

describe('compression', () => {
  it('sends gzip when asked, and falls back to uncompressed for good after a 415', async () => {
    const handler = withTracing(async () => 'ok', { endpoint: receiver().url, compression: 'gzip' });
    await handler({}, lambdaContext());
    expect(receiver().requests[0]!.headers['content-encoding']).toBe('gzip');
    receiver().reset();
    receiver().next({ kind: 'status', status: 415 });
    await handler({}, lambdaContext());
    await handler({}, lambdaContext());
    expect(receiver().attempts).toBe(3);
    expect(receiver().requests).toHaveLength(2);
    expect(receiver().requests.map((r) => r.headers['content-encoding'])).toEqual([undefined, undefined]);
  });

  it('does not loop on a 415 when already uncompressed', async () => {
    receiver().next({ kind: 'status', status: 415 });
    await withTracing(async () => 'ok', { endpoint: receiver().url })({}, lambdaContext());
    expect(receiver().attempts).toBe(1);
  });
});

describe('the request timeout (OTEL_EXPORTER_OTLP_TIMEOUT) applies per request, within the flush budget', () => {
  it('gives up on a hanging request after the request timeout, though the budget has a minute left', async () => {
    receiver().next({ kind: 'hang' });
    // Without the request timeout this waits out the minute and the test times out.
    const handler = withTracing(async () => 'ok', {
      endpoint: receiver().url,
      flushTimeoutMs: 60_000,
      requestTimeoutMs: 100,
      spool: false,
    });
    expect(await handler({}, lambdaContext({ timeoutMs: 120_000 }))).toBe('ok');
    expect(receiver().attempts).toBe(1);
  });
});

describe('a dead endpoint trips the circuit breaker', () => {
  let dir: string;
  let own: OtlpReceiver | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hoptrace-breaker-test-'));
  });
  afterEach(async () => {
    await own?.close();
    own = undefined;
    rmSync(dir, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  /** A handler making two spans per invocation; `made` collects their ids. */
  function tracedHandler(endpoint: string) {
    const made: string[] = [];
    const handler = withTracing(
      async () => {
        made.push(trace.getActiveSpan()!.spanContext().spanId);
        const span = trace.getTracer('t').startSpan('work');
        made.push(span.spanContext().spanId);
        span.end();
        return 'ok';
      },
      { endpoint, flushTimeoutMs: BUDGET_MS, spool: { dir, maxBytes: 1024 * 1024 } },
    );
    return { invoke: () => handler({}, lambdaContext()), made };
  }

  const spooled = (): number =>
    readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.json')).length;
  // Past the longest wait between probes.
  const probeDue = (): void => advanceWallClock(61_000);

  it('stops sending to a hanging endpoint, spools meanwhile, probes when due, and delivers every span once it is back', async () => {
    own = await OtlpReceiver.start();
    const endpoint = own;
    endpoint.always({ kind: 'hang' });
    let traced: ReturnType<typeof tracedHandler> | undefined;
    const opened = await warningsWhile('until a probe', async () => {
      traced = tracedHandler(endpoint.url);
      const { invoke } = traced;
      for (let i = 0; i < 3; i++) await invoke();
      const tried = endpoint.attempts;
      for (let i = 0; i < 3; i++) await invoke();
      // Open: three more invocations, not one request, so none paid the budget.
      expect(endpoint.attempts).toBe(tried);
    });
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatch(
      /failed several flushes in a row \(.+\); spans go to the spool without a request until a probe, first in 5 s/,
    );
    expect(spooled()).toBeGreaterThan(0);
    const { invoke, made } = traced!;

    // A probe that finds it still hanging: one request, then silence again.
    probeDue();
    const beforeProbe = endpoint.attempts;
    await invoke();
    await invoke();
    expect(endpoint.attempts).toBe(beforeProbe + 1);

    endpoint.always({ kind: 'ok' });
    probeDue();
    await invoke();
    const delivered = endpoint
      .spans()
      .filter((s) => s.name !== 'init')
      .map((s) => s.spanId);
    expect(new Set(delivered)).toEqual(new Set(made));
    expect(spooled()).toBe(0);
  });

  it('stops trying an endpoint that resets every connection, and delivers every span when it comes back on its port', async () => {
    let connections = 0;
    const resetting = net.createServer((socket) => {
      connections++;
      socket.resetAndDestroy();
    });
    await new Promise<void>((r) => resetting.listen(0, '127.0.0.1', r));
    const { port } = resetting.address() as AddressInfo;
    const { invoke, made } = tracedHandler(`http://127.0.0.1:${port}/v1/traces`);
    for (let i = 0; i < 3; i++) await invoke();
    const tried = connections;
    for (let i = 0; i < 3; i++) await invoke();
    expect(connections).toBe(tried);
    await new Promise<void>((r) => resetting.close(() => r()));

    own = await OtlpReceiver.start(port);
    probeDue();
    await invoke();
    expect(
      new Set(
        own
          .spans()
          .filter((s) => s.name !== 'init')
          .map((s) => s.spanId),
      ),
    ).toEqual(new Set(made));
    expect(spooled()).toBe(0);
  });
});
