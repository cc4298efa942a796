import type { TracingOptions } from '../config/options';
import { logger } from '../logger';
import { Invocation } from './invocation';
import type { LambdaContext } from './lambda-context';
import { pipelineForHandler, type Pipeline } from './pipeline';

/**
 * The parts of a middy request the middleware uses, structurally middy's `Request`. The
 * context type is open (`any` by default) so that middy's `use()` keeps the handler's own
 * context type instead of narrowing it to ours.
 */
export interface MiddyRequest<TContext extends LambdaContext = any> {
  event: unknown;
  context: TContext;
  response: unknown;
  error: unknown;
  internal: Record<string, unknown>;
}

export interface MiddyMiddleware<TContext extends LambdaContext = any> {
  before: (request: MiddyRequest<TContext>) => void;
  after: (request: MiddyRequest<TContext>) => Promise<void>;
  onError: (request: MiddyRequest<TContext>) => Promise<void>;
}

/** Where the invocation lives in `request.internal`. */
const INTERNAL_KEY = 'hoptrace';

function invocationOf(request: MiddyRequest): Invocation | undefined {
  return request.internal[INTERNAL_KEY] as Invocation | undefined;
}

/**
 * middy skips the remaining `after`/`onError` middlewares when one returns early, and then
 * sets `request.response` from `request.earlyResponse`. Watching that assignment lets the
 * root end even then; the response middy returns becomes a promise of the same value that
 * settles once spans are flushed, so the flush still beats the freeze.
 */
function watchEarlyResponse(request: MiddyRequest, invocation: Invocation): void {
  let value = request.response;
  let flushed: Promise<unknown> | undefined;
  Object.defineProperty(request, 'response', {
    configurable: true,
    enumerable: true,
    get: () => (flushed && value !== undefined ? flushed : value),
    set: (next: unknown) => {
      value = next;
      if (flushed || !Object.hasOwn(request, 'earlyResponse')) return;
      if (request.error !== undefined) invocation.recordError(request.error);
      invocation.recordResult(next);
      flushed = invocation.finish().then(() => value);
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

function start(pipeline: Pipeline, request: MiddyRequest): void {
  const invocation = Invocation.start(pipeline, request.event, request.context);
  if (!invocation) return;
  request.internal[INTERNAL_KEY] = invocation;
  const manager = pipeline.registration.contextManager;
  if (manager) manager.enterWith(invocation.context);
  else logger.warnOnce('middy:context', 'another context manager is registered; child spans may not nest under the root span.');
  watchEarlyResponse(request, invocation);
  watchRethrow(request, invocation);
}

/**
 * The middy middleware: `middy(handler).use(tracing())`. Use it first, so its `before`
 * runs before, and its `after`/`onError` after, every other middleware.
 */
export function tracing(options: TracingOptions = {}): MiddyMiddleware {
  const pipeline = pipelineForHandler(options);
  return {
    before: (request) => {
      if (pipeline) start(pipeline, request);
    },
    after: async (request) => {
      const invocation = invocationOf(request);
      if (!invocation) return;
      invocation.recordResult(request.response);
      await invocation.finish();
    },
    onError: async (request) => {
      const invocation = invocationOf(request);
      if (!invocation) return;
      invocation.recordError(request.error);
      if (request.response !== undefined) invocation.recordResult(request.response);
      await invocation.finish();
    },
  };
}
