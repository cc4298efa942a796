import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { withTracing } from '../../src/index';
import { lambdaContext } from '../helpers/lambda';
import type { Behaviour } from '../helpers/otlp-receiver';
import { useReceiver } from '../helpers/test-bed';
import { warningsWhile } from '../helpers/warnings';

const BUDGET_MS = 300;
// Slack for a shared, noisy machine: a missing deadline shows up as seconds or forever.
const SLACK_MS = 1200;

const receiver = useReceiver();

async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}/v1/traces`;
}

/** Runs one invocation with two spans; returns the result and the time the wrapper added. */
async function invoke(endpoint: string, budgetMs = BUDGET_MS): Promise<{ result: unknown; addedMs: number }> {
  const expected = { statusCode: 200, body: 'unchanged' };
  let handlerDone = 0;
  const handler = withTracing(
    async () => {
      trace.getTracer('t').startSpan('work').end();
      handlerDone = performance.now();
      return expected;
    },
    { endpoint, flushTimeoutMs: budgetMs },
  );
  const result = await handler({}, lambdaContext());
  expect(result).toBe(expected);
  return { result, addedMs: performance.now() - handlerDone };
}

describe('a failing endpoint never breaks or stalls the handler', () => {
  const cases: Array<[string, Behaviour[]]> = [
    ['hangs', [{ kind: 'hang' }]],
    ['answers 500', [{ kind: 'status', status: 500 }]],
    ['answers 400', [{ kind: 'status', status: 400 }]],
    ['answers 429 with a Retry-After past the budget', [{ kind: 'status', status: 429, retryAfter: '5' }]],
    ['answers 503 again and again', Array.from({ length: 50 }, () => ({ kind: 'status', status: 503 }) as Behaviour)],
    ['answers slower than the budget', [{ kind: 'slow', ms: 5000 }]],
  ];

  it.each(cases)('returns the result within the budget when the endpoint %s', async (_label, behaviours) => {
    receiver().next(...behaviours);
    const { addedMs } = await invoke(receiver().url);
    expect(addedMs).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(receiver().attempts).toBeGreaterThan(0);
  });

  it('returns within the budget when the endpoint refuses connections', async () => {
    const { addedMs } = await invoke(await closedPortUrl());
    expect(addedMs).toBeLessThan(BUDGET_MS + SLACK_MS);
  });

  it('returns within the budget when the endpoint host does not resolve', async () => {
    const { addedMs } = await invoke('http://hoptrace-ingest.invalid/v1/traces');
    expect(addedMs).toBeLessThan(BUDGET_MS + SLACK_MS);
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
    expect(receiver().spans().map((s) => s.name)).toContain('work');
  });

  it('backs off after 502/503/504 and delivers', async () => {
    receiver().next({ kind: 'status', status: 502 }, { kind: 'status', status: 503 }, { kind: 'status', status: 504 });
    await invoke(receiver().url, RETRY_BUDGET_MS);
    expect(receiver().attempts).toBe(4);
    expect(receiver().spans().map((s) => s.name)).toContain('work');
  });

  it('retries on a fresh connection when the response is cut mid-body', async () => {
    receiver().next({ kind: 'reset-mid-body' });
    await invoke(receiver().url, RETRY_BUDGET_MS);
    expect(receiver().attempts).toBe(2);
    expect(receiver().spans().map((s) => s.name)).toContain('work');
  });
});

describe('the remaining time caps the flush', () => {
  it('never flushes past the deadline minus the margin', async () => {
    receiver().next({ kind: 'hang' });
    let handlerDone = 0;
    const handler = withTracing(
      async () => {
        handlerDone = performance.now();
        return 'ok';
      },
      { endpoint: receiver().url, flushTimeoutMs: 10_000, flushMarginMs: 50, timeoutGuardMs: 0 },
    );
    await handler({}, lambdaContext({ timeoutMs: 250 }));
    expect(performance.now() - handlerDone).toBeLessThan(250 + SLACK_MS);
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
    expect(lines[0]).toMatch(/^\[hoptrace\] export of \d+ span\(s\) to http:\/\/127\.0\.0\.1:\d+\/v1\/traces failed: HTTP 500; dropped\.$/);
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
