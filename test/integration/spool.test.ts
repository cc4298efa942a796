import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withTracing } from '../../src/index';
import { advanceWallClock } from '../helpers/clock';
import { lambdaContext } from '../helpers/lambda';
import { attr, OtlpReceiver } from '../../testing/otlp-receiver';
import { warningsWhile } from '../helpers/warnings';

let dir: string;
let receiver: OtlpReceiver | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-spool-test-'));
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  rmSync(dir, { recursive: true, force: true });
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** After several failed exports the circuit breaker sends nothing until a probe is due: at most a minute. */
const probeDue = (): void => advanceWallClock(61_000);

const BUDGET_MS = 300;
const SLACK_MS = 1200;

/** A handler making `spans` child spans; returns the ids of all it made, root included. */
function tracedHandler(endpoint: string, maxBytes = 1024 * 1024) {
  const made: string[] = [];
  const handler = withTracing(
    async () => {
      made.push(trace.getActiveSpan()!.spanContext().spanId);
      for (let i = 0; i < 3; i++) {
        const span = trace.getTracer('t').startSpan(`work ${i}`);
        made.push(span.spanContext().spanId);
        span.end();
      }
      return 'ok';
    },
    { endpoint, flushTimeoutMs: BUDGET_MS, spool: { dir, maxBytes } },
  );
  return { handler, made };
}

const spoolFiles = (): string[] =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.json'));

async function timedInvoke(handler: (e: unknown, c: never) => Promise<unknown>, requestId?: string): Promise<number> {
  const start = performance.now();
  expect(await handler({}, lambdaContext(requestId ? { awsRequestId: requestId } : {}) as never)).toBe('ok');
  return performance.now() - start;
}

describe('the spool: nothing lost while the sandbox lives', () => {
  it('keeps spans while the ingest answers 503, and delivers them all once it is back', async () => {
    receiver = await OtlpReceiver.start();
    receiver.always({ kind: 'status', status: 503 });
    const { handler, made } = tracedHandler(receiver.url);
    for (let i = 0; i < 4; i++) expect(await timedInvoke(handler)).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(receiver.spans()).toHaveLength(0);
    expect(spoolFiles()).toHaveLength(4);

    receiver.always({ kind: 'ok' });
    probeDue();
    await timedInvoke(handler);
    const delivered = receiver
      .spans()
      .filter((s) => s.name !== 'init')
      .map((s) => s.spanId);
    expect(new Set(delivered)).toEqual(new Set(made));
    expect(delivered).toHaveLength(new Set(delivered).size);
    expect(spoolFiles()).toHaveLength(0);

    // Acknowledged bodies are gone: the next invocation sends only its own spans.
    receiver.reset();
    await timedInvoke(handler);
    expect(receiver.spans()).toHaveLength(4);
  });

  it('keeps spans while the ingest refuses connections, and delivers them when it comes back on its port', async () => {
    const first = await OtlpReceiver.start();
    const port = first.port;
    await first.close();
    const { handler, made } = tracedHandler(`http://127.0.0.1:${port}/v1/traces`);
    for (let i = 0; i < 3; i++) expect(await timedInvoke(handler)).toBeLessThan(BUDGET_MS + SLACK_MS);
    probeDue();
    receiver = await OtlpReceiver.start(port);
    await timedInvoke(handler);
    expect(
      new Set(
        receiver
          .spans()
          .filter((s) => s.name !== 'init')
          .map((s) => s.spanId),
      ),
    ).toEqual(new Set(made));
  });

  it('resends the spooled bodies oldest first, merged into one request, while the handler runs', async () => {
    receiver = await OtlpReceiver.start();
    receiver.always({ kind: 'status', status: 503 });
    const { handler } = tracedHandler(receiver.url);
    for (let i = 0; i < 3; i++) await timedInvoke(handler);
    receiver.always({ kind: 'ok' });
    probeDue();
    await timedInvoke(handler, 'last');
    const roots = (r: OtlpReceiver['requests'][number]) =>
      r.body.resourceSpans.map(
        (rs) => rs.scopeSpans.flatMap((s) => s.spans).find((s) => attr(s, 'faas.invocation_id'))!,
      );
    const resent = receiver.requests.filter((r) =>
      roots(r).every((root) => attr(root, 'faas.invocation_id') !== 'last'),
    );
    expect(resent).toHaveLength(1);
    const spooled = roots(resent[0]!);
    expect(spooled).toHaveLength(3);
    const starts = spooled.map((r) => BigInt(r.startTimeUnixNano));
    expect(starts).toEqual([...starts].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('stays within the budget when the ingest hangs, spooling and resending included', async () => {
    receiver = await OtlpReceiver.start();
    receiver.always({ kind: 'hang' });
    const { handler } = tracedHandler(receiver.url);
    for (let i = 0; i < 3; i++) expect(await timedInvoke(handler)).toBeLessThan(2 * BUDGET_MS + SLACK_MS);
    expect(spoolFiles().length).toBeGreaterThan(0);
  });

  it('does not keep what the endpoint refused for good (400)', async () => {
    receiver = await OtlpReceiver.start();
    receiver.always({ kind: 'status', status: 400 });
    const { handler } = tracedHandler(receiver.url);
    await timedInvoke(handler);
    expect(spoolFiles()).toHaveLength(0);
  });

  it('drops the oldest when full, and reports the count on the next root span and in one log line', async () => {
    const up = await OtlpReceiver.start();
    receiver = up;
    up.always({ kind: 'status', status: 503 });
    let made: string[] = [];
    const lines = await warningsWhile('the spool is full', async () => {
      const traced = tracedHandler(up.url, 7000);
      made = traced.made;
      for (let i = 0; i < 6; i++) await timedInvoke(traced.handler);
      up.always({ kind: 'ok' });
      probeDue();
      await timedInvoke(traced.handler);
    });
    const spans = receiver.spans();
    // A running total: the latest root carries the highest (resent roots may arrive after it).
    const dropped = Math.max(...spans.map((s) => Number(attr(s, 'hoptrace.spool.dropped_spans') ?? 0)));
    expect(dropped).toBeGreaterThan(0);
    // Every span (the cold start's init span included) either arrived or was counted as dropped.
    expect(spans.length + dropped).toBe(made.length + 1);
    expect(lines).toHaveLength(1);
  });

  it('picks up what an earlier load of the function left in the spool', async () => {
    receiver = await OtlpReceiver.start();
    receiver.always({ kind: 'status', status: 503 });
    const before = tracedHandler(receiver.url);
    await timedInvoke(before.handler);
    receiver.always({ kind: 'ok' });
    const after = tracedHandler(receiver.url);
    await timedInvoke(after.handler);
    expect(receiver.spans().map((s) => s.spanId)).toEqual(expect.arrayContaining(before.made));
  });

  it('counts spans as dropped, and never throws, when the spool cannot be written', async () => {
    const file = join(dir, 'not-a-directory');
    writeFileSync(file, 'x');
    receiver = await OtlpReceiver.start();
    receiver.always({ kind: 'status', status: 503 });
    const handler = withTracing(async () => 'ok', {
      endpoint: receiver.url,
      flushTimeoutMs: BUDGET_MS,
      spool: { dir: file, maxBytes: 1024 * 1024 },
    });
    expect(await handler({}, lambdaContext())).toBe('ok');
    receiver.always({ kind: 'ok' });
    await handler({}, lambdaContext());
    const root = receiver.spans().find((s) => attr(s, 'faas.invocation_id') !== undefined)!;
    expect(attr(root, 'hoptrace.spool.dropped_spans')).toBe(2);
  });
});
