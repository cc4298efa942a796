import type { Context } from '@opentelemetry/api';
import type { TracingOptions } from '../config/options';
import { logger } from '../logger';
import { pipelineForHandler, type Pipeline } from '../bootstrap/pipeline';
import { Invocation } from './invocation';
import type { LambdaContext } from './lambda-context';

/**
 * The parts of a middy request the middleware uses, structurally middy's `Request`. The
 * context type is open (`any` by default) so that middy's `use()` keeps the handler's own
 * context type instead of narrowing it to ours. After `before`, `internal['hoptrace.rootSpanContext']`
 * holds the root span's context for other middlewares.
 *
 * @example
 * ```typescript
 * import type { SpanContext } from '@opentelemetry/api';
 * import type { MiddyRequest } from 'hoptrace';
 *
 * const logIds = {
 *   before: (request: MiddyRequest) => console.log(request.internal['hoptrace.rootSpanContext'] as SpanContext),
 * };
 * ```
 */
export interface MiddyRequest<TContext extends LambdaContext = any> {
  event: unknown;
  context: TContext;
  response: unknown;
  error: unknown;
  internal: Record<string, unknown>;
}

/**
 * A middy middleware object, as `tracing()` returns it: structurally middy's `MiddlewareObj`,
 * without hoptrace depending on middy.
 *
 * @example
 * ```typescript
 * import middy from '@middy/core';
 * import { tracing, type MiddyMiddleware } from 'hoptrace';
 *
 * const traced: MiddyMiddleware = tracing();
 * export const handler = middy(handle).use(traced);
 * ```
 */
export interface MiddyMiddleware<TContext extends LambdaContext = any> {
  before: (request: MiddyRequest<TContext>) => void;
  after: (request: MiddyRequest<TContext>) => Promise<void>;
  onError: (request: MiddyRequest<TContext>) => Promise<void>;
}

/**
 * The root span's context (trace and span ids) in `request.internal`, for other middlewares
 * (log correlation). The invocation itself stays private: middy may share one `internal`
 * object between requests.
 */
const INTERNAL_KEY = 'hoptrace.rootSpanContext';

const invocations = new WeakMap<object, Invocation>();

/** A stack frame of code resumed from the microtask queue rather than called. */
const RESUMED_FRAME = /^at (async |.*\(node:internal\/)/;

/**
 * The context the middleware makes active for the handler: the invocation's while it runs,
 * the caller's once it has finished. middy calls the first `before` synchronously from the
 * caller's own code, so the context entered there is also the caller's for the rest of its
 * execution; without this, the caller's later spans would join the ended trace and be lost.
 */
class InvocationScope implements Context {
  constructor(
    private readonly invocation: Invocation,
    private readonly caller: Context,
  ) {}

  private current(): Context {
    return this.invocation.finished ? this.caller : this.invocation.context;
  }

  /**
   * The context a new scope should return to: the one this scope stands for now. A scope
   * entered from a caller whose own scope has finished returns to that scope's caller, so
   * that warm invocations never chain one scope onto the last (the chain would hold every
   * past invocation, and every lookup would walk it).
   */
  static callerOf(active: Context): Context {
    let context = active;
    while (context instanceof InvocationScope && context.invocation.finished) context = context.caller;
    return context;
  }

  getValue(key: symbol): unknown {
    return this.current().getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.current().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.current().deleteValue(key);
  }
}

/**
 * middy skips the remaining `after`/`onError` middlewares when one returns early (or sets
 * `request.earlyResponse`, even to undefined), and then sets `request.response` from it.
 * Watching that assignment lets the root end even then. Until the flush settles, reading
 * `request.response` gives a promise of the same value: middy returns what it reads, so its
 * answer waits for the flush and the spans beat the freeze; `requestEnd` plugins, which run
 * after, see the value. When an `onError` middleware leaves no response, middy rethrows the
 * error at once: the flush cannot be awaited then (see `watchRethrow`).
 */
function watchEarlyResponse(request: MiddyRequest, invocation: Invocation): void {
  let value = request.response;
  let flushing: Promise<unknown> | undefined;
  let seen = false;
  Object.defineProperty(request, 'response', {
    configurable: true,
    enumerable: true,
    get: () => (flushing && !(value === undefined && request.error !== undefined) ? flushing : value),
    set: (next: unknown) => {
      value = next;
      if (seen || !Object.hasOwn(request, 'earlyResponse')) return;
      seen = true;
      if (request.error !== undefined) invocation.recordError(request.error);
      invocation.recordResult(next);
      flushing = invocation.finish().then(() => {
        flushing = undefined;
        return value;
      });
    },
  });
}

/**
 * When an `onError` middleware throws, middy stores the new error (with the first as its
 * `originalError`) and rethrows it without calling the remaining ones, ours among them.
 * Watching that assignment ends the root with the error Lambda will report. middy throws
 * on the next line, so the flush cannot be awaited: it races the freeze, and what it cannot
 * deliver goes to the spool. Without this, only the timeout guard would end the root, and
 * it would blame a timeout.
 */
function watchRethrow(request: MiddyRequest, invocation: Invocation): void {
  let value = request.error;
  Object.defineProperty(request, 'error', {
    configurable: true,
    enumerable: true,
    get: () => value,
    set: (next: unknown) => {
      const previous = value;
      value = next;
      if (previous === undefined || (next as { originalError?: unknown } | null)?.originalError !== previous) return;
      invocation.recordError(next);
      void invocation.finish();
    },
  });
}

/**
 * Whether this `before` runs first: middy calls the first one synchronously from its own
 * entry, every later one after awaiting the one before it, from the microtask queue (below
 * its caller, Node's task-queue frame or an `async` frame). Undefined when the stack cannot
 * tell (a low `Error.stackTraceLimit`).
 */
function runsFirst(): boolean | undefined {
  // 0: "Error", 1: runsFirst, 2: our before, 3: middy's runMiddlewares, 4: what called that.
  const caller = new Error().stack?.split('\n')[4];
  return caller === undefined ? undefined : !RESUMED_FRAME.test(caller.trimStart());
}

function warnNotFirst(): void {
  logger.warnOnce(
    'middy:order',
    'tracing() is not the first middleware: the middlewares used before it run outside the trace (their spans are orphaned) and their after/onError run after its flush; with hoptrace/lambda, one of them ending a request early (warm-up, validation) keeps that sandbox from freezing until the deadline, since no trace of the request reaches the extension. Use it first: middy(handler).use(tracing()).use(...).',
  );
}

function start(pipeline: Pipeline, request: MiddyRequest): void {
  const invocation = Invocation.start(pipeline, request.event, request.context);
  if (!invocation) return;
  invocations.set(request, invocation);
  request.internal[INTERNAL_KEY] = invocation.rootSpanContext();
  const manager = pipeline.registration.contextManager;
  if (manager) manager.enterWith(new InvocationScope(invocation, InvocationScope.callerOf(manager.active())));
  else
    logger.warnOnce(
      'middy:context',
      'another context manager is registered; child spans may not nest under the root span.',
    );
  watchEarlyResponse(request, invocation);
  watchRethrow(request, invocation);
}

/**
 * The middy middleware: `middy(handler).use(tracing())`. Use it first, so its `before`
 * runs before, and its `after`/`onError` after, every other middleware (it warns once when
 * it is not).
 *
 * @example
 * ```typescript
 * import middy from '@middy/core';
 * import { tracing } from 'hoptrace';
 *
 * export const handler = middy(async (event) => ({ statusCode: 200 })).use(tracing({ serviceName: 'orders' }));
 * ```
 *
 * @param options - override the environment's configuration, see {@link TracingOptions}; default `{}`,
 *   everything from the environment
 */
export function tracing(options: TracingOptions = {}): MiddyMiddleware {
  const pipeline = pipelineForHandler(options);
  let checked = false;
  return {
    before: (request) => {
      if (!checked) {
        checked = true;
        if (runsFirst() === false) warnNotFirst();
      }
      if (pipeline) start(pipeline, request);
    },
    after: async (request) => {
      const invocation = invocations.get(request);
      if (!invocation) return;
      invocation.recordResult(request.response);
      await invocation.finish();
    },
    onError: async (request) => {
      const invocation = invocations.get(request);
      if (!invocation) return;
      invocation.recordError(request.error);
      if (request.response !== undefined) invocation.recordResult(request.response);
      await invocation.finish();
    },
  };
}
