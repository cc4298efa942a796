import middy from '@middy/core';
import { context, trace } from '@opentelemetry/api';
import { describe, expect, it, vi } from 'vitest';
import { flush, tracing } from '../../src/index';
import { httpApiEvent, lambdaContext, PARENT_TRACE_ID, VALID_TRACEPARENT } from '../helpers/lambda';
import { attr, type OtlpSpan } from '../../testing/otlp-receiver';
import { useReceiver } from '../helpers/test-bed';
import { warningsWhile } from '../helpers/warnings';

const receiver = useReceiver();

const rootOf = (spans: OtlpSpan[]): OtlpSpan => spans.find((s) => attr(s, 'faas.invocation_id') !== undefined)!;

describe('tracing() as a middy middleware', () => {
  it('nests the handler spans under the root and flushes before middy returns', async () => {
    const handler = middy(async () => {
      await trace.getTracer('orders').startActiveSpan('load order', async (span) => {
        await new Promise((r) => setTimeout(r, 2));
        trace.getTracer('orders').startSpan('query').end();
        span.end();
      });
      return { statusCode: 200, body: 'ok' };
    }).use(tracing({ endpoint: receiver().url }));

    const result = await handler(httpApiEvent({ traceparent: VALID_TRACEPARENT }), lambdaContext() as never);
    expect(result).toEqual({ statusCode: 200, body: 'ok' });
    const spans = receiver().spans();
    const root = rootOf(spans);
    expect(root.traceId).toBe(PARENT_TRACE_ID);
    expect(attr(root, 'http.response.status_code')).toBe(200);
    const load = spans.find((s) => s.name === 'load order')!;
    expect(load.parentSpanId).toBe(root.spanId);
    expect(spans.find((s) => s.name === 'query')!.parentSpanId).toBe(load.spanId);
  });

  it('shows other middlewares the root span context in request.internal, under a namespaced key', async () => {
    let internal: Record<string, unknown> = {};
    const handler = middy(async () => 'ok')
      .use(tracing({ endpoint: receiver().url }))
      .before((request) => {
        internal = { ...(request.internal as Record<string, unknown>) };
      });
    await handler({}, lambdaContext() as never);
    const root = rootOf(receiver().spans());
    expect(internal).toEqual({
      'hoptrace.rootSpanContext': { traceId: root.traceId, spanId: root.spanId, traceFlags: 1 },
    });
  });

  it('leaves the caller in its own context once the handler has returned', async () => {
    const handler = middy(async () => 'ok').use(tracing({ endpoint: receiver().url }));
    await handler({}, lambdaContext() as never);
    expect(trace.getSpan(context.active())).toBeUndefined();
    trace.getTracer('caller').startSpan('caller work').end();
    await flush();
    const spans = receiver().spans();
    const caller = spans.find((s) => s.name === 'caller work')!;
    expect(caller.parentSpanId).toBeUndefined();
    expect(caller.traceId).not.toBe(rootOf(spans).traceId);
  });

  it("does not chain warm invocations onto each other in the caller's context", async () => {
    // Called in a loop, as the runtime calls it: each invocation's scope stays the caller's
    // active context, and a scope that kept the previous one as its caller would chain them
    // all (every past invocation held in memory, every lookup walking the chain: past some
    // ten thousand, a lookup overflows the stack).
    const handler = middy(async () => 'ok').use(tracing({ endpoint: receiver().url, sampler: 'always_off' }));
    for (let i = 0; i < 12_000; i++) await handler({}, lambdaContext() as never);
    expect(() => trace.getTracer('caller').startSpan('after many').end()).not.toThrow();
  });

  it('flushes before middy returns when a before middleware sets earlyResponse to undefined', async () => {
    const handler = middy(async () => 'handler')
      .use(tracing({ endpoint: receiver().url }))
      .before((request) => {
        trace.getTracer('auth').startSpan('check').end();
        (request as { earlyResponse?: unknown }).earlyResponse = undefined;
      });
    expect(await handler({}, lambdaContext() as never)).toBeUndefined();
    expect(
      receiver()
        .spans()
        .map((s) => s.name),
    ).toContain('check');
  });

  it('shows requestEnd plugins the response, not a promise, after an early return', async () => {
    let seen: unknown = 'not called';
    const handler = middy(async () => 'handler', {
      requestEnd: (request: { response: unknown }) => {
        seen = request.response;
      },
    })
      .use(tracing({ endpoint: receiver().url }))
      .before(async () => ({ statusCode: 304 }));
    expect(await handler(httpApiEvent(), lambdaContext() as never)).toEqual({ statusCode: 304 });
    expect(seen).toEqual({ statusCode: 304 });
  });

  it('still throws the error when an onError middleware sets earlyResponse to undefined', async () => {
    const error = new Error('unhandled');
    const handler = middy(async () => {
      throw error;
    })
      .use(tracing({ endpoint: receiver().url }))
      .onError((request) => {
        (request as { earlyResponse?: unknown }).earlyResponse = undefined;
      });
    await expect(handler({}, lambdaContext() as never)).rejects.toBe(error);
    await vi.waitFor(() => expect(rootOf(receiver().spans()).status).toEqual({ code: 2, message: 'unhandled' }), {
      timeout: 2000,
    });
  });

  it('warns once when it is not the first middleware, and not when it is', async () => {
    const first = await warningsWhile('not the first middleware', async () => {
      const handler = middy(async () => 'ok')
        .use(tracing({ endpoint: receiver().url }))
        .before(async () => undefined);
      await handler({}, lambdaContext() as never);
    });
    expect(first).toHaveLength(0);
    const later = await warningsWhile('not the first middleware', async () => {
      const handler = middy(async () => 'ok')
        .before(async () => undefined)
        .use(tracing({ endpoint: receiver().url }));
      await handler({}, lambdaContext() as never);
      await handler({}, lambdaContext() as never);
    });
    expect(later).toHaveLength(1);
  });

  it('ends the root and flushes when a later before middleware returns early', async () => {
    let handlerRan = false;
    const handler = middy(async () => {
      handlerRan = true;
      return 'handler';
    })
      .use(tracing({ endpoint: receiver().url }))
      .before(async () => ({ statusCode: 304, body: 'cached' }));
    const result = await handler(httpApiEvent(), lambdaContext() as never);
    expect(result).toEqual({ statusCode: 304, body: 'cached' });
    expect(handlerRan).toBe(false);
    // Flushed before middy's promise settled, not later.
    const root = rootOf(receiver().spans());
    expect(attr(root, 'http.response.status_code')).toBe(304);
  });

  it('ends the root and flushes when another after middleware returns early', async () => {
    const handler = middy(async () => ({ statusCode: 200, body: 'raw' }))
      .use(tracing({ endpoint: receiver().url }))
      .after(async () => ({ statusCode: 202, body: 'rewritten' }));
    const result = await handler(httpApiEvent(), lambdaContext() as never);
    expect(result).toEqual({ statusCode: 202, body: 'rewritten' });
    expect(attr(rootOf(receiver().spans()), 'http.response.status_code')).toBe(202);
  });

  it('records the error when a middleware throws, and rethrows it unchanged', async () => {
    const error = new Error('validation failed');
    const handler = middy(async () => 'never')
      .use(tracing({ endpoint: receiver().url }))
      .before(() => {
        throw error;
      });
    await expect(handler({}, lambdaContext() as never)).rejects.toBe(error);
    const root = rootOf(receiver().spans());
    expect(root.status).toEqual({ code: 2, message: 'validation failed' });
  });

  it('records the error and the response when another onError middleware handles it', async () => {
    const handler = middy(async (): Promise<{ statusCode: number; body: string }> => {
      throw new Error('boom');
    })
      .use(tracing({ endpoint: receiver().url }))
      .onError((request) => {
        request.response = { statusCode: 500, body: 'sorry' };
      });
    const result = await handler(httpApiEvent(), lambdaContext() as never);
    expect(result).toEqual({ statusCode: 500, body: 'sorry' });
    const root = rootOf(receiver().spans());
    expect(root.status.code).toBe(2);
    expect(attr(root, 'http.response.status_code')).toBe(500);
    expect(root.events.map((e) => e.name)).toContain('exception');
  });

  it('ends the root when another onError middleware returns early', async () => {
    const handler = middy(async () => {
      throw new Error('boom');
    })
      .use(tracing({ endpoint: receiver().url }))
      .onError(async () => ({ statusCode: 503, body: 'later' }));
    const result = await handler(httpApiEvent(), lambdaContext() as never);
    expect(result).toEqual({ statusCode: 503, body: 'later' });
    const root = rootOf(receiver().spans());
    expect(root.status.code).toBe(2);
    expect(attr(root, 'http.response.status_code')).toBe(503);
  });

  it('ends the root with the error middy rethrows when another onError middleware throws', async () => {
    const rethrown = new Error('error handler failed');
    const handler = middy(async () => {
      trace.getTracer('orders').startSpan('work').end();
      throw new Error('boom');
    })
      .use(tracing({ endpoint: receiver().url }))
      .onError(async () => {
        throw rethrown;
      });
    await expect(handler(httpApiEvent(), lambdaContext() as never)).rejects.toBe(rethrown);
    // middy rethrows at once, so the flush is not awaited: it is on its way.
    await vi.waitFor(
      () =>
        expect(
          receiver()
            .spans()
            .map((s) => s.name),
        ).toContain('work'),
      { timeout: 2000 },
    );
    const root = rootOf(receiver().spans());
    expect(root.status).toEqual({ code: 2, message: 'error handler failed' });
    expect(attr(root, 'error.type')).toBe('Error');
    expect(rethrown).toHaveProperty('originalError', expect.objectContaining({ message: 'boom' }));
  });

  it('keeps concurrent middy invocations apart', async () => {
    const handler = middy(async (event: { id: string }) => {
      await new Promise((r) => setTimeout(r, event.id === 'a' ? 5 : 1));
      trace.getTracer('x').startSpan(`child-${event.id}`).end();
      return event.id;
    }).use(tracing({ endpoint: receiver().url }));
    await Promise.all([handler({ id: 'a' }, lambdaContext() as never), handler({ id: 'b' }, lambdaContext() as never)]);
    const spans = receiver().spans();
    const roots = spans.filter((s) => attr(s, 'faas.invocation_id') !== undefined);
    expect(roots).toHaveLength(2);
    for (const id of ['a', 'b']) {
      const child = spans.find((s) => s.name === `child-${id}`)!;
      expect(roots.some((r) => r.spanId === child.parentSpanId && r.traceId === child.traceId)).toBe(true);
    }
    expect(spans.find((s) => s.name === 'child-a')!.traceId).not.toBe(spans.find((s) => s.name === 'child-b')!.traceId);
  });

  it('is a pass-through when disabled', async () => {
    const handler = middy(async () => 'plain').use(tracing({ endpoint: receiver().url, disabled: true }));
    expect(await handler({}, lambdaContext() as never)).toBe('plain');
    expect(receiver().attempts).toBe(0);
  });
});
