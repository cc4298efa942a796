import type { LambdaContext } from './lambda-context';

/**
 * The callback Lambda's Node.js 20 and 22 runtimes pass a handler: `callback(error)` fails the
 * invocation, `callback(null, result)` answers it.
 *
 * @example
 * ```typescript
 * import { withTracing, type LambdaCallback } from 'hoptrace';
 *
 * export const handler = withTracing((event: unknown, context: unknown, callback: LambdaCallback<string>) =>
 *   callback(null, 'ok'),
 * );
 * ```
 */
export type LambdaCallback<TResult> = (error?: unknown, result?: TResult) => void;

/**
 * A handler in any of the shapes Lambda's Node.js runtime accepts: async, returning a promise,
 * or answering through the callback (where the runtime passes one).
 *
 * @example
 * ```typescript
 * import type { LambdaHandler } from 'hoptrace';
 *
 * const handle: LambdaHandler<{ id: string }, { ok: boolean }> = async (event) => ({ ok: event.id !== '' });
 * ```
 */
export type LambdaHandler<TEvent, TResult, TContext extends LambdaContext = LambdaContext> = (
  event: TEvent,
  context: TContext,
  callback: LambdaCallback<TResult>,
) => void | TResult | Promise<TResult>;

/** How a handler answered. */
export interface HandlerOutcome<TResult> {
  /** Settles with exactly the handler's result or error. */
  readonly result: Promise<TResult>;
  /** It answers (or answered) through the callback: Lambda's callback semantics apply. */
  readonly callbackStyle: boolean;
}

/**
 * Which rule the runtime answers by. The runtime interface client 3.x (nodejs20.x and
 * nodejs22.x on demand) passes a callback: a returned promise is the answer, anything else
 * returned is ignored and the answer is what the handler calls back with. 4.x (nodejs24.x,
 * and Lambda Managed Instances, where one process serves many invocations) passes none: the
 * answer is what the handler returns, awaited, and a handler that declares a callback is
 * refused. Read once: Lambda sets the environment before the process starts.
 */
export const RUNTIME_RUNS_CALLBACK_HANDLERS =
  Number(process.versions.node.split('.')[0]) < 24 && process.env.AWS_LAMBDA_MAX_CONCURRENCY === undefined;

const CALLBACK_HANDLER_UNSUPPORTED =
  'the handler declares a callback and returned no promise: it is a callback handler, and Node.js 24 and later (Lambda nodejs24.x) and Lambda Managed Instances no longer run those. Make it an async function that returns its result.';

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Runs a handler as Lambda's runtime does (see RUNTIME_RUNS_CALLBACK_HANDLERS). Where
 * callbacks run (`callbacks` true): a returned promise is the answer; otherwise, whatever the
 * handler declares (a `(...args) => inner(...args)` wrapper declares nothing) and whatever
 * else it returns (`setTimeout(...)` returns a Timeout), the answer is what it calls back
 * with, or nothing once the event loop is empty, as the runtime does (else the root would
 * stay open, and the guard would later call the invocation a timeout). Where they do not:
 * the returned value is the answer, `undefined` included, and a handler that declares a
 * callback and returns no promise fails at once with the reason instead of hanging.
 */
export function invokeHandler<TEvent, TResult, TContext extends LambdaContext>(
  handler: LambdaHandler<TEvent, TResult, TContext>,
  event: TEvent,
  context: TContext,
  callbacks: boolean = RUNTIME_RUNS_CALLBACK_HANDLERS,
): HandlerOutcome<TResult> {
  let calledBack = false;
  let returned: unknown;
  let threw = false;
  const result = new Promise<TResult>((resolve, reject) => {
    let idle: (() => void) | undefined;
    const callback: LambdaCallback<TResult> = (error, value) => {
      calledBack = true;
      if (idle) process.off('beforeExit', idle);
      if (error !== undefined && error !== null) reject(error);
      else resolve(value as TResult);
    };
    try {
      returned = handler(event, context, callback);
    } catch (error) {
      threw = true;
      reject(error);
      return;
    }
    if (calledBack) return;
    if (isThenable(returned)) returned.then(resolve as (value: unknown) => void, reject);
    else if (!callbacks) {
      if (returned === undefined && handler.length >= 3) reject(new Error(CALLBACK_HANDLER_UNSUPPORTED));
      else resolve(returned as TResult);
    } else {
      idle = () => resolve(undefined as TResult);
      process.once('beforeExit', idle);
    }
  });
  return { result, callbackStyle: callbacks && !threw && !isThenable(returned) };
}
