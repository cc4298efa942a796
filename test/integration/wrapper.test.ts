import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flush, withTracing } from '../../src/index';
import { loadedMs, nowMs, processStartMs } from '../../src/tracer/time';
import { latestPipeline } from '../../src/bootstrap/pipeline';
import { ColdStartClaim } from '../../src/wrapper/cold-start';
import { RUNTIME_RUNS_CALLBACK_HANDLERS } from '../../src/wrapper/invoke-handler';
import { httpApiEvent, lambdaContext, PARENT_SPAN_ID, PARENT_TRACE_ID, VALID_TRACEPARENT } from '../helpers/lambda';
import { attr, type OtlpSpan } from '../../testing/otlp-receiver';
import { useReceiver } from '../helpers/test-bed';
import { warningsWhile } from '../helpers/warnings';

const receiver = useReceiver();
afterEach(() => vi.unstubAllEnvs());

/** A callback handler's answer on this Node: its result, or from Node.js 24 on, the reason it cannot run. */
async function expectCallbackAnswer(answer: Promise<unknown>, value: unknown): Promise<void> {
  if (RUNTIME_RUNS_CALLBACK_HANDLERS) expect(await answer).toBe(value);
  else await expect(answer).rejects.toThrow(/callback handler.*Node\.js 24/);
}

const root = (spans: OtlpSpan[]): OtlpSpan => {
  const found = spans.find((s) => attr(s, 'faas.invocation_id') !== undefined);
  if (!found) throw new Error('no root span');
  return found;
};

describe('root span per invocation', () => {
  it('names and attributes the root by the FaaS and HTTP conventions', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    const handler = withTracing(async () => ({ statusCode: 201, body: 'ok' }), {
      endpoint: receiver().url,
      serviceName: 'orders-api',
    });
    const ctx = lambdaContext();
    await handler(httpApiEvent(), ctx);

    const spans = receiver().spans();
    const r = root(spans);
    expect(r.name).toBe('GET /items/{id}');
    expect(r.kind).toBe(2); // SERVER
    expect(r.parentSpanId).toBeUndefined();
    expect(attr(r, 'faas.trigger')).toBe('http');
    expect(attr(r, 'faas.invocation_id')).toBe(ctx.awsRequestId);
    expect(attr(r, 'faas.name')).toBe('orders');
    expect(attr(r, 'faas.version')).toBe('7');
    expect(attr(r, 'faas.coldstart')).toBe(true);
    expect(attr(r, 'cloud.provider')).toBe('aws');
    expect(attr(r, 'cloud.region')).toBe('eu-west-1');
    expect(attr(r, 'cloud.account.id')).toBe('123456789012');
    expect(attr(r, 'cloud.resource_id')).toBe('arn:aws:lambda:eu-west-1:123456789012:function:orders:7');
    expect(attr(r, 'http.request.method')).toBe('GET');
    expect(attr(r, 'http.route')).toBe('/items/{id}');
    expect(attr(r, 'url.path')).toBe('/items/42');
    expect(attr(r, 'http.response.status_code')).toBe(201);
    expect(r.status.code).toBe(0);

    const resource = receiver().requests[0]!.body.resourceSpans[0]!.resource;
    expect(attr(resource, 'service.name')).toBe('orders-api');
    expect(attr(resource, 'telemetry.sdk.name')).toBe('hoptrace');
    expect(receiver().requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('makes the root a child of an incoming traceparent, with its tracestate and baggage', async () => {
    let seenBaggage: string | undefined;
    const handler = withTracing(
      async () => {
        seenBaggage = propagation.getBaggage(context.active())?.getEntry('tenant')?.value;
        return { statusCode: 200 };
      },
      { endpoint: receiver().url },
    );
    await handler(
      httpApiEvent({ TraceParent: VALID_TRACEPARENT, tracestate: 'vendor=abc', Baggage: 'tenant=acme' }),
      lambdaContext(),
    );
    const r = root(receiver().spans());
    expect(r.traceId).toBe(PARENT_TRACE_ID);
    expect(r.parentSpanId).toBe(PARENT_SPAN_ID);
    expect(r.traceState).toBe('vendor=abc');
    expect(seenBaggage).toBe('acme');
  });

  it.each([
    ['wrong version', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
    ['short trace id', '00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01'],
    ['long span id', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333100-01'],
    ['all-zero trace id', '00-00000000000000000000000000000000-b7ad6b7169203331-01'],
    ['all-zero span id', '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01'],
    ['uppercase', '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01'],
    ['extra fields on version 00', `${VALID_TRACEPARENT}-extra`],
    ['10 KB long', `${VALID_TRACEPARENT}${'a'.repeat(10_240)}`],
    ['not hex', '00-0af7651916cd43dd8448eb211c80319z-b7ad6b7169203331-01'],
  ])('starts a new trace for a malformed traceparent (%s)', async (_label, traceparent) => {
    const result = { statusCode: 200, body: 'same object' };
    const handler = withTracing(async () => result, { endpoint: receiver().url });
    const returned = await handler(httpApiEvent({ traceparent }), lambdaContext());
    expect(returned).toBe(result);
    const r = root(receiver().spans());
    expect(r.traceId).not.toBe(PARENT_TRACE_ID);
    expect(r.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(r.parentSpanId).toBeUndefined();
  });

  it('keeps a valid traceparent but bounds a tracestate over the W3C limits', async () => {
    const members = Array.from({ length: 40 }, (_, i) => `k${i}=${'v'.repeat(20)}`).join(',');
    const handler = withTracing(async () => ({ statusCode: 200 }), { endpoint: receiver().url });
    await handler(httpApiEvent({ traceparent: VALID_TRACEPARENT, tracestate: members }), lambdaContext());
    const r = root(receiver().spans());
    expect(r.traceId).toBe(PARENT_TRACE_ID);
    expect(r.traceState!.length).toBeLessThanOrEqual(512);
    expect(r.traceState!.split(',').length).toBeLessThanOrEqual(32);
  });

  it.each([
    ['null', null],
    ['a string', 'hello'],
    ['an array', [1, 2, 3]],
    ['an unknown shape', { foo: { bar: 1 } }],
    ['a number', 42],
  ])('treats an event that is %s as a direct invoke', async (_label, event) => {
    const handler = withTracing(async (e: unknown) => e, { endpoint: receiver().url });
    expect(await handler(event, lambdaContext())).toBe(event);
    const r = root(receiver().spans());
    expect(attr(r, 'faas.trigger')).toBe('other');
    expect(r.name).toBe('orders');
  });

  it('survives a context without getRemainingTimeInMillis, and no context at all', async () => {
    const handler = withTracing(async () => 'done', { endpoint: receiver().url });
    expect(await handler({}, { awsRequestId: 'x' })).toBe('done');
    expect(await handler({}, undefined as never)).toBe('done');
    expect(receiver().spans()).toHaveLength(3); // root + init, then root
  });
});

describe('cold starts', () => {
  it('flags only the first invocation of the sandbox and adds an init span to it', async () => {
    vi.stubEnv('AWS_LAMBDA_RUNTIME_API', '127.0.0.1:9001');
    const handler = withTracing(async () => 'ok', { endpoint: receiver().url });
    await handler({}, lambdaContext());
    await handler({}, lambdaContext());
    const roots = receiver()
      .spans()
      .filter((s) => attr(s, 'faas.invocation_id') !== undefined);
    expect(roots.map((r) => attr(r, 'faas.coldstart'))).toEqual([true, false]);
    const init = receiver()
      .spans()
      .filter((s) => s.name === 'init');
    expect(init).toHaveLength(1);
    expect(init[0]!.parentSpanId).toBe(roots[0]!.spanId);
    // Under a Lambda runtime, init starts when the process started and ends at the first invocation.
    const startMs = Number(init[0]!.startTimeUnixNano) / 1e6;
    expect(Math.abs(startMs - performance.timeOrigin)).toBeLessThan(5);
    expect(init[0]!.endTimeUnixNano).toBe(roots[0]!.startTimeUnixNano);
  });

  it('starts init when hoptrace was loaded, outside a Lambda runtime (worker threads, tests)', async () => {
    vi.stubEnv('AWS_LAMBDA_RUNTIME_API', '');
    const handler = withTracing(async () => 'ok', { endpoint: receiver().url });
    await handler({}, lambdaContext());
    const init = receiver()
      .spans()
      .find((s) => s.name === 'init')!;
    expect(Math.abs(Number(init.startTimeUnixNano) / 1e6 - loadedMs())).toBeLessThan(1);
  });

  it('is never a cold start under provisioned concurrency', async () => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'provisioned-concurrency');
    const handler = withTracing(async () => 'ok', { endpoint: receiver().url });
    await handler({}, lambdaContext());
    const spans = receiver().spans();
    expect(attr(root(spans), 'faas.coldstart')).toBe(false);
    expect(spans.some((s) => s.name === 'init')).toBe(false);
  });

  it('marks proactive initialisation when the first invocation comes long after init', async () => {
    vi.stubEnv('AWS_LAMBDA_RUNTIME_API', '127.0.0.1:9001');
    const handler = withTracing(async () => 'ok', { endpoint: receiver().url });
    // As if the handler had been ready 11 s before the first event arrived.
    const readyMs = nowMs() - 11_000;
    Object.defineProperty(latestPipeline(), 'coldStart', { value: new ColdStartClaim(readyMs) });
    await handler({}, lambdaContext());
    const spans = receiver().spans();
    const r = root(spans);
    expect(attr(r, 'faas.coldstart')).toBe(true);
    expect(attr(r, 'hoptrace.proactive_initialization')).toBe(true);
    const init = spans.find((s) => s.name === 'init')!;
    // Init ends when the handler was ready (never before the process started), not when the
    // event arrived.
    const expectedEndMs = Math.max(readyMs, processStartMs());
    expect(Math.abs(Number(init.endTimeUnixNano) / 1e6 - expectedEndMs)).toBeLessThan(1);
    expect(Number(r.startTimeUnixNano) / 1e6 - Number(init.endTimeUnixNano) / 1e6).toBeGreaterThan(100);
  });
});

describe('child spans through the standard API', () => {
  it('nests startActiveSpan children, events, links, exceptions and statuses under the root', async () => {
    const link = {
      context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 },
      attributes: { why: 'batch' },
    };
    const handler = withTracing(
      async () => {
        const tracer = trace.getTracer('orders', '1.2.3');
        await tracer.startActiveSpan('charge card', { links: [link] }, async (span) => {
          span.addEvent('authorised', { amount: 42 });
          await tracer.startActiveSpan('call bank', async (inner) => {
            await new Promise((r) => setTimeout(r, 5));
            inner.recordException(new TypeError('bank said no'));
            inner.setStatus({ code: SpanStatusCode.ERROR, message: 'declined' });
            inner.end();
          });
          span.setStatus({ code: SpanStatusCode.OK });
          span.end();
        });
        const manual = tracer.startSpan('manual', {}, context.active());
        context.with(trace.setSpan(context.active(), manual), () => tracer.startSpan('grandchild').end());
        manual.end();
        return 'ok';
      },
      { endpoint: receiver().url },
    );
    await handler({}, lambdaContext());
    const spans = receiver().spans();
    const r = root(spans);
    const byName = (n: string): OtlpSpan => spans.find((s) => s.name === n)!;
    expect(byName('charge card').parentSpanId).toBe(r.spanId);
    expect(byName('call bank').parentSpanId).toBe(byName('charge card').spanId);
    expect(byName('manual').parentSpanId).toBe(r.spanId);
    expect(byName('grandchild').parentSpanId).toBe(byName('manual').spanId);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    expect(byName('charge card').events[0]!.name).toBe('authorised');
    expect(byName('charge card').links[0]!.spanId).toBe('b'.repeat(16));
    expect(byName('charge card').status.code).toBe(1);
    const bank = byName('call bank');
    expect(bank.status).toEqual({ code: 2, message: 'declined' });
    expect(attr(bank.events[0]!, 'exception.type')).toBe('TypeError');
    const scopes = receiver().requests[0]!.body.resourceSpans[0]!.scopeSpans.map((s) => s.scope);
    expect(scopes).toContainEqual({ name: 'orders', version: '1.2.3' });
  });

  it('injects and extracts the active context with propagation', async () => {
    const carrier: Record<string, string> = {};
    let extracted: string | undefined;
    const handler = withTracing(
      async () => {
        trace.getTracer('x').startActiveSpan('outgoing', (span) => {
          propagation.inject(context.active(), carrier);
          span.end();
        });
        extracted = trace.getSpanContext(propagation.extract(context.active(), carrier))?.spanId;
      },
      { endpoint: receiver().url },
    );
    await handler({}, lambdaContext());
    const outgoing = receiver()
      .spans()
      .find((s) => s.name === 'outgoing')!;
    expect(carrier.traceparent).toBe(`00-${outgoing.traceId}-${outgoing.spanId}-01`);
    expect(extracted).toBe(outgoing.spanId);
  });

  it('records nothing when the sampler says no, yet still propagates', async () => {
    const carrier: Record<string, string> = {};
    const handler = withTracing(
      async () => {
        trace.getTracer('x').startActiveSpan('child', (span) => {
          propagation.inject(context.active(), carrier);
          span.end();
        });
      },
      { endpoint: receiver().url, sampler: 'always_off' },
    );
    await handler({}, lambdaContext());
    expect(receiver().requests).toHaveLength(0);
    expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });

  it('follows an unsampled incoming parent by default', async () => {
    const handler = withTracing(async () => ({ statusCode: 200 }), { endpoint: receiver().url });
    await handler(httpApiEvent({ traceparent: VALID_TRACEPARENT.replace(/-01$/, '-00') }), lambdaContext());
    expect(receiver().requests).toHaveLength(0);
  });
});

describe('errors', () => {
  it('rethrows the same error object and records it on the root', async () => {
    const error = new RangeError('out of stock');
    const handler = withTracing(
      async () => {
        throw error;
      },
      { endpoint: receiver().url },
    );
    await expect(handler({}, lambdaContext())).rejects.toBe(error);
    const r = root(receiver().spans());
    expect(r.status).toEqual({ code: 2, message: 'out of stock' });
    const event = r.events.find((e) => e.name === 'exception')!;
    expect(attr(event, 'exception.type')).toBe('RangeError');
    expect(attr(event, 'exception.message')).toBe('out of stock');
    expect(String(attr(event, 'exception.stacktrace'))).toContain('RangeError');
  });

  it('keeps the root of a failure with a 1 MiB message, its message and name capped', async () => {
    const error = new Error('x'.repeat(1024 * 1024));
    const handler = withTracing(
      async () => {
        trace
          .getTracer('x')
          .startSpan('y'.repeat(1024 * 1024))
          .end();
        throw error;
      },
      { endpoint: receiver().url, spanLimits: { attributeValueLength: 1000 } },
    );
    await expect(handler({}, lambdaContext())).rejects.toBe(error);
    const spans = receiver().spans();
    const r = root(spans);
    expect(r.status.code).toBe(2);
    expect(r.status.message).toBe('x'.repeat(1000));
    expect(spans.find((s) => s.name.startsWith('y'))!.name).toHaveLength(1000);
  });

  it('passes through a thrown non-Error value unchanged', async () => {
    const thrown = { weird: true };
    const handler = withTracing(
      async () => {
        throw thrown;
      },
      { endpoint: receiver().url },
    );
    await expect(handler({}, lambdaContext())).rejects.toBe(thrown);
    expect(root(receiver().spans()).status.code).toBe(2);
  });

  it('marks a 5xx HTTP response as an error but not a 4xx', async () => {
    let status = 503;
    const handler = withTracing(async () => ({ statusCode: status }), { endpoint: receiver().url });
    await handler(httpApiEvent(), lambdaContext());
    status = 404;
    await handler(httpApiEvent(), lambdaContext());
    const roots = receiver()
      .spans()
      .filter((s) => attr(s, 'faas.invocation_id') !== undefined);
    expect(roots.map((r) => [attr(r, 'http.response.status_code'), r.status.code])).toEqual([
      [503, 2],
      [404, 0],
    ]);
  });

  it('keeps the result of a wrapper that passes its arguments on to a callback handler', async () => {
    const inner = (_event: unknown, _ctx: unknown, callback: (e: unknown, r?: string) => void): void => {
      setTimeout(() => callback(null, 'from inner'), 1);
    };
    const handler = withTracing((...args: Parameters<typeof inner>) => inner(...args), { endpoint: receiver().url });
    // Where callback handlers no longer run, the runtime's answer is what the handler
    // returns: here nothing, which hoptrace passes on as that runtime would.
    expect(await handler({}, lambdaContext())).toBe(RUNTIME_RUNS_CALLBACK_HANDLERS ? 'from inner' : undefined);
  });

  it("answers a callback handler through Lambda's callback, after the flush, so the runtime keeps its callback semantics", async () => {
    const ctx = { ...lambdaContext(), callbackWaitsForEmptyEventLoop: true };
    const handler = withTracing(
      (_event: unknown, _ctx, callback: (e: unknown, r?: string) => void) => {
        trace.getTracer('cb').startSpan('work').end();
        setTimeout(() => callback(null, 'called back'), 1);
      },
      { endpoint: receiver().url },
    );
    // Lambda's nodejs24.x runtime refuses a handler that declares a third (callback) parameter.
    expect(handler.length).toBe(2);
    if (!RUNTIME_RUNS_CALLBACK_HANDLERS) {
      // That runtime passes no callback; the wrapped callback handler fails with the reason.
      await expect(handler({}, ctx)).rejects.toThrow(/callback handler.*Node\.js 24/);
      return;
    }
    let exportedBeforeAnswer: string[] = [];
    const answered = new Promise<unknown[]>((resolve) => {
      const returned = handler({}, ctx, (...answer: unknown[]) => {
        exportedBeforeAnswer = receiver()
          .spans()
          .map((s) => s.name);
        resolve(answer);
      });
      // Not a promise: Lambda's runtime would answer from a promise at once, ignoring the flag.
      expect(returned).toBeUndefined();
    });
    expect(await answered).toEqual([null, 'called back']);
    expect(exportedBeforeAnswer).toContain('work');
  });

  it('answers an async handler with a promise even when Lambda passes its callback', async () => {
    const handler = withTracing(async () => 'async', { endpoint: receiver().url });
    const callback = vi.fn();
    await expect(handler({}, lambdaContext(), callback)).resolves.toBe('async');
    expect(callback).not.toHaveBeenCalled();
  });

  it('supports callback-style handlers', async () => {
    const handler = withTracing(
      (_event: unknown, _ctx, callback: (e: unknown, r?: string) => void) => {
        setTimeout(() => callback(null, 'called back'), 1);
      },
      { endpoint: receiver().url },
    );
    await expectCallbackAnswer(handler({}, lambdaContext()), 'called back');
    expect(receiver().spans().length).toBeGreaterThan(0);
  });
});

describe('concurrency', () => {
  it('keeps two interleaved invocations in two separate, correct trees', async () => {
    const tracer = trace.getTracer('work');
    const step = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    const handler = withTracing(
      async (event: { id: string }) => {
        for (let i = 0; i < 3; i++) {
          await tracer.startActiveSpan(`${event.id}-step-${i}`, async (span) => {
            await step(event.id === 'a' ? 3 : 2);
            tracer.startSpan(`${event.id}-leaf-${i}`).end();
            span.end();
          });
        }
        return event.id;
      },
      { endpoint: receiver().url },
    );
    const [a, b] = await Promise.all([handler({ id: 'a' }, lambdaContext()), handler({ id: 'b' }, lambdaContext())]);
    expect([a, b]).toEqual(['a', 'b']);
    const spans = receiver().spans();
    for (const id of ['a', 'b']) {
      const mine = spans.filter((s) => s.name.startsWith(`${id}-`));
      expect(mine).toHaveLength(6);
      const r = spans.find((s) => attr(s, 'faas.invocation_id') !== undefined && mine[0]!.traceId === s.traceId)!;
      expect(r).toBeDefined();
      for (const s of mine) expect(s.traceId).toBe(r.traceId);
      for (let i = 0; i < 3; i++) {
        const stepSpan = mine.find((s) => s.name === `${id}-step-${i}`)!;
        expect(stepSpan.parentSpanId).toBe(r.spanId);
        expect(mine.find((s) => s.name === `${id}-leaf-${i}`)!.parentSpanId).toBe(stepSpan.spanId);
      }
    }
    const roots = spans.filter((s) => attr(s, 'faas.invocation_id') !== undefined);
    expect(new Set(roots.map((r) => r.traceId)).size).toBe(2);
    expect(roots.filter((r) => attr(r, 'faas.coldstart') === true)).toHaveLength(1);
  });
});

describe('timeout guard', () => {
  const provisional = (span: OtlpSpan): boolean => attr(span, 'hoptrace.provisional') === true;

  it('exports open spans as timed out before the deadline when the handler never returns', async () => {
    const handler = withTracing(
      async () => {
        trace.getTracer('slow').startSpan('done before').end();
        await trace.getTracer('slow').startActiveSpan('never ends', async () => {
          await new Promise(() => undefined);
        });
      },
      { endpoint: receiver().url, timeoutGuardMs: 100 },
    );
    void handler({}, lambdaContext({ timeoutMs: 300 }));
    await vi.waitFor(() => expect(receiver().spans().length).toBeGreaterThanOrEqual(3), { timeout: 2000 });
    const spans = receiver().spans();
    const r = root(spans);
    const open = spans.find((s) => s.name === 'never ends')!;
    for (const s of [r, open]) {
      expect(s.status.code).toBe(2);
      expect(attr(s, 'error.type')).toBe('timeout');
      expect(provisional(s)).toBe(true);
    }
    const done = spans.find((s) => s.name === 'done before')!;
    expect(done.status.code).toBe(0);
    expect(provisional(done)).toBe(false);
  });

  it('records the real outcome of a handler that completes after the guard, before the deadline', async () => {
    const handler = withTracing(
      async () => {
        // Returns only once the guard's provisional export has arrived: after the guard point.
        await vi.waitFor(() => expect(receiver().spans().some(provisional)).toBe(true), { timeout: 2000, interval: 5 });
        trace.getTracer('late').startSpan('after the guard').end();
        return { statusCode: 200, body: 'fine' };
      },
      { endpoint: receiver().url, timeoutGuardMs: 1_500 },
    );
    const result = await handler(httpApiEvent(), lambdaContext({ timeoutMs: 2_000 }));
    expect(result).toEqual({ statusCode: 200, body: 'fine' });
    const roots = receiver()
      .spans()
      .filter((s) => attr(s, 'faas.invocation_id') !== undefined);
    expect(roots).toHaveLength(2);
    const [copy, real] = roots;
    expect(provisional(copy!)).toBe(true);
    expect(attr(copy!, 'error.type')).toBe('timeout');
    // Same span, sent again: the real end, which readers keep over the copy.
    expect(real!.spanId).toBe(copy!.spanId);
    expect(provisional(real!)).toBe(false);
    expect(real!.status.code).toBe(0);
    expect(attr(real!, 'error.type')).toBeUndefined();
    expect(attr(real!, 'http.response.status_code')).toBe(200);
    expect(
      receiver()
        .spans()
        .find((s) => s.name === 'after the guard')!.parentSpanId,
    ).toBe(real!.spanId);
  });

  it('is cleared when the invocation ends, so it never fires into a later one', async () => {
    const handler = withTracing(async () => 'quick', { endpoint: receiver().url, timeoutGuardMs: 100 });
    await handler({}, lambdaContext({ timeoutMs: 200 }));
    const requests = receiver().requests.length;
    // A guard left armed would fire 100 ms in and flush, taking this span with it.
    trace.getTracer('between').startSpan('outside any invocation').end();
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver().requests).toHaveLength(requests);
    await flush();
    expect(
      receiver()
        .spans()
        .map((s) => s.name),
    ).toContain('outside any invocation');
  });
});

describe('flush before freeze', () => {
  it('has exported every span before the wrapped promise settles, over one kept-alive connection', async () => {
    const handler = withTracing(
      async () => {
        trace.getTracer('x').startSpan('child').end();
      },
      { endpoint: receiver().url },
    );
    for (let i = 0; i < 3; i++) {
      await handler({}, lambdaContext());
      expect(
        receiver()
          .spans()
          .filter((s) => s.name === 'child'),
      ).toHaveLength(i + 1);
    }
    expect(receiver().requests).toHaveLength(3);
    expect(new Set(receiver().requests.map((r) => r.remotePort)).size).toBe(1);
  });

  it('splits a payload over the size limit into several requests', async () => {
    const handler = withTracing(
      async () => {
        const tracer = trace.getTracer('x');
        for (let i = 0; i < 200; i++) tracer.startSpan(`span-${i}`, { attributes: { blob: 'x'.repeat(500) } }).end();
      },
      { endpoint: receiver().url, maxExportBytes: 20_000 },
    );
    await handler({}, lambdaContext());
    expect(receiver().requests.length).toBeGreaterThan(5);
    for (const r of receiver().requests) expect(r.bytes).toBeLessThanOrEqual(20_000);
    expect(
      receiver()
        .spans()
        .filter((s) => s.name.startsWith('span-')),
    ).toHaveLength(200);
  });

  it('caps buffered spans per invocation and reports the count dropped', async () => {
    const handler = withTracing(
      async () => {
        for (let i = 0; i < 50; i++) trace.getTracer('x').startSpan(`s${i}`).end();
      },
      { endpoint: receiver().url, maxSpansPerInvocation: 10 },
    );
    await handler({}, lambdaContext());
    await handler({}, lambdaContext());
    const roots = receiver()
      .spans()
      .filter((s) => attr(s, 'faas.invocation_id') !== undefined);
    // The first invocation also holds the init span.
    expect(roots.map((r) => attr(r, 'hoptrace.spans_dropped'))).toEqual([42, 41]);
    expect(receiver().spans()).toHaveLength(20);
  });

  it('ends the spans still open when the handler is done, marked, keeping their children connected', async () => {
    const lines = await warningsWhile('still open', async () => {
      const handler = withTracing(
        async () => {
          const tracer = trace.getTracer('x');
          tracer.startActiveSpan('forgotten', () => tracer.startSpan('inner').end());
          tracer.startSpan('ended').end();
        },
        { endpoint: receiver().url },
      );
      await handler({}, lambdaContext());
      await handler({}, lambdaContext());
    });
    const spans = receiver().spans();
    const forgotten = spans.filter((s) => s.name === 'forgotten');
    expect(forgotten).toHaveLength(2);
    for (const span of forgotten) {
      expect(attr(span, 'hoptrace.unfinished')).toBe(true);
      const parentRoot = spans.find((s) => s.spanId === span.parentSpanId)!;
      expect(BigInt(span.endTimeUnixNano)).toBeLessThanOrEqual(BigInt(parentRoot.endTimeUnixNano));
      expect(spans.find((s) => s.name === 'inner' && s.parentSpanId === span.spanId)).toBeDefined();
    }
    expect(spans.filter((s) => s.name === 'ended').every((s) => attr(s, 'hoptrace.unfinished') === undefined)).toBe(
      true,
    );
    expect(attr(root(spans), 'hoptrace.unfinished')).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"forgotten"');
  });

  it('exports the spans a timer of an ended invocation makes, with a later flush: 5 of 5', async () => {
    let beats = 0;
    const handler = withTracing(
      async (event: { heartbeat?: boolean }) => {
        if (!event.heartbeat) return 'next';
        const timer = setInterval(() => {
          trace.getTracer('heartbeat').startSpan('beat').end();
          if (++beats === 5) clearInterval(timer);
        }, 2);
        return 'started';
      },
      { endpoint: receiver().url },
    );
    await handler({ heartbeat: true }, lambdaContext());
    await vi.waitFor(() => expect(beats).toBe(5));
    await handler({}, lambdaContext());
    const spans = receiver().spans();
    const first = spans.find((s) => attr(s, 'faas.invocation_id') !== undefined)!;
    const beatSpans = spans.filter((s) => s.name === 'beat');
    expect(beatSpans).toHaveLength(5);
    for (const beat of beatSpans) expect(beat.parentSpanId).toBe(first.spanId);
  });

  it('exports spans made outside any invocation with the next flush', async () => {
    const handler = withTracing(async () => 'ok', { endpoint: receiver().url });
    trace.getTracer('init').startSpan('load config').end();
    await handler({}, lambdaContext());
    expect(
      receiver()
        .spans()
        .map((s) => s.name),
    ).toContain('load config');
  });
});

describe('off switches', () => {
  it('is a pass-through when OTEL_SDK_DISABLED=true', async () => {
    vi.stubEnv('OTEL_SDK_DISABLED', 'true');
    const result = { statusCode: 200 };
    const handler = withTracing(async () => result, { endpoint: receiver().url });
    expect(await handler(httpApiEvent(), lambdaContext())).toBe(result);
    expect(receiver().requests).toHaveLength(0);
  });

  it('drops spans with one warning when no endpoint is configured', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', '');
    vi.stubEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', '');
    const lines = await warningsWhile('no OTLP endpoint', async () => {
      const handler = withTracing(async () => 'fine');
      expect(await handler({}, lambdaContext())).toBe('fine');
      expect(await handler({}, lambdaContext())).toBe('fine');
    });
    expect(lines).toHaveLength(1);
  });

  it('drops spans with one warning when the endpoint is not an http(s) URL', async () => {
    const lines = await warningsWhile('invalid OTLP endpoint', async () => {
      const handler = withTracing(async () => 'still fine', { endpoint: 'ftp://ingest.example.com/v1/traces' });
      expect(await handler({}, lambdaContext())).toBe('still fine');
      expect(await handler({}, lambdaContext())).toBe('still fine');
    });
    expect(lines).toHaveLength(1);
  });

  it('drops spans, and never spools them, when the endpoint is an http URL that cannot be parsed', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'hoptrace-bad-url-'));
    try {
      const handler = withTracing(async () => 'still fine', {
        endpoint: 'http://ingest.example.com:99999/v1/traces',
        spool: { dir: spoolDir, maxBytes: 1 << 20 },
      });
      expect(await handler({}, lambdaContext())).toBe('still fine');
      expect(readdirSync(spoolDir, { recursive: true })).toEqual([]);
    } finally {
      rmSync(spoolDir, { recursive: true, force: true });
    }
  });

  it("names the service after the Lambda context's function when AWS_LAMBDA_FUNCTION_NAME is unset", async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '');
    vi.stubEnv('OTEL_SERVICE_NAME', '');
    const handler = withTracing(async () => 'ok', { endpoint: receiver().url });
    await handler({}, lambdaContext({ functionName: 'checkout' }));
    await handler({}, lambdaContext({ functionName: 'ignored' }));
    const names = receiver().requests.map((r) => attr(r.body.resourceSpans[0]!.resource, 'service.name'));
    expect(names).toEqual(['checkout', 'checkout']);
  });

  it('works outside Lambda, with no AWS variables at all', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '');
    vi.stubEnv('AWS_REGION', '');
    const handler = withTracing(async () => 42, { endpoint: receiver().url });
    expect(await handler({}, {})).toBe(42);
    const [only] = receiver()
      .spans()
      .filter((s) => s.name !== 'init');
    expect(only!.name).toBe('invocation');
    expect(attr(only!, 'faas.trigger')).toBe('other');
    expect(attr(only!, 'cloud.region')).toBeUndefined();
  });
});
