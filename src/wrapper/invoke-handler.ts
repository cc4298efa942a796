import type { LambdaContext } from './lambda-context';

export type LambdaCallback<TResult> = (error?: unknown, result?: TResult) => void;

/** A handler in any of the shapes Lambda's Node.js runtime accepts. */
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

/** Lambda's nodejs24.x runtime and later run promise-returning handlers only. */
export const RUNTIME_RUNS_CALLBACK_HANDLERS = Number(process.versions.node.split('.')[0]) < 24;

const CALLBACK_HANDLER_UNSUPPORTED =
  'the handler returned no promise and has not called back: it is a callback handler, and Node.js 24 and later (Lambda nodejs24.x) no longer run those. Make it an async function that returns its result.';

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Runs a handler as Lambda's runtime does: a returned promise is its answer; otherwise it is
 * callback style and its answer is what it calls back with, whatever its declared
 * parameters (a `(...args) => inner(...args)` wrapper declares none). One that never calls
 * back is answered with nothing once the event loop is empty, as the runtime does (else the
 * root would stay open, and the guard would later call the invocation a timeout). A plain
 * value returned is taken as the answer. Where the runtime no longer runs callback handlers
 * (`callbacks` false), one that would wait for its callback fails at once with the reason
 * instead of hanging.
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
    else if (returned !== undefined) resolve(returned as TResult);
    else if (!callbacks) reject(new Error(CALLBACK_HANDLER_UNSUPPORTED));
    else {
      idle = () => resolve(undefined as TResult);
      process.once('beforeExit', idle);
    }
  });
  return { result, callbackStyle: !threw && !isThenable(returned) && (calledBack || returned === undefined) };
}
