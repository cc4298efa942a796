import type { LambdaContext } from './lambda-context';

export type LambdaCallback<TResult> = (error?: unknown, result?: TResult) => void;

/** A handler in any of the shapes Lambda's Node.js runtime accepts. */
export type LambdaHandler<TEvent, TResult, TContext extends LambdaContext = LambdaContext> = (
  event: TEvent,
  context: TContext,
  callback: LambdaCallback<TResult>,
) => void | TResult | Promise<TResult>;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Runs a handler, async or callback style, and settles with exactly its result or error.
 * A callback-style handler (three declared parameters) settles when it calls back.
 */
export function invokeHandler<TEvent, TResult, TContext extends LambdaContext>(
  handler: LambdaHandler<TEvent, TResult, TContext>,
  event: TEvent,
  context: TContext,
): Promise<TResult> {
  return new Promise<TResult>((resolve, reject) => {
    const callback: LambdaCallback<TResult> = (error, result) => {
      if (error !== undefined && error !== null) reject(error);
      else resolve(result as TResult);
    };
    const returned = handler(event, context, callback);
    if (isThenable(returned)) returned.then(resolve as (value: unknown) => void, reject);
    else if (handler.length < 3) resolve(returned as TResult);
  });
}
