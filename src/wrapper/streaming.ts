import { context as contextApi } from '@opentelemetry/api';
import { Invocation } from './invocation';
import type { LambdaContext } from './lambda-context';
import type { Pipeline } from '../bootstrap/pipeline';

/** The marker `awslambda.streamifyResponse` puts on a handler, and its buffer size option. */
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');

/** The writable stream the runtime hands a streaming handler; the parts hoptrace uses. */
export interface ResponseStream {
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  readonly writableFinished?: boolean;
  _onBeforeFirstWrite?: ((write: (chunk: unknown) => unknown) => void) | undefined;
}

export type StreamingHandler<TEvent = unknown, TContext extends LambdaContext = LambdaContext> = (
  event: TEvent,
  responseStream: ResponseStream,
  context: TContext,
) => Promise<unknown>;

type Marked = { [STREAMING]?: unknown; [HIGH_WATER_MARK]?: unknown };

/** The handler is (or has been made) a response-streaming one. */
export function isStreaming(handler: unknown): boolean {
  return (handler as Marked)[STREAMING] === 'response';
}

/** Gives `to` the streaming marker and options of `from`, so the runtime streams it too. */
export function copyStreamingMarks<T>(from: unknown, to: T): T {
  (to as Marked)[STREAMING] = (from as Marked)[STREAMING];
  if ((from as Marked)[HIGH_WATER_MARK] !== undefined)
    (to as Marked)[HIGH_WATER_MARK] = (from as Marked)[HIGH_WATER_MARK];
  return to;
}

/**
 * The stream the handler writes to: the runtime's own, seen through an object whose only own
 * property is `_onBeforeFirstWrite`, where `awslambda.HttpResponseStream.from` puts the
 * function that writes the HTTP prelude first. Watching it gives the prelude (status code).
 */
function watchPrelude(stream: ResponseStream, onPrelude: (prelude: unknown) => void): ResponseStream {
  let hook: ResponseStream['_onBeforeFirstWrite'];
  return Object.create(stream, {
    _onBeforeFirstWrite: {
      configurable: true,
      enumerable: true,
      get: () => hook,
      set: (fn: ResponseStream['_onBeforeFirstWrite']) => {
        hook = fn;
        stream._onBeforeFirstWrite =
          typeof fn === 'function'
            ? (write) => {
                let first = true;
                fn((chunk) => {
                  if (first) {
                    first = false;
                    try {
                      onPrelude(JSON.parse(String(chunk)));
                    } catch {
                      // Not JSON: a prelude we cannot read tells us nothing; the bytes go out unchanged.
                    }
                  }
                  return write(chunk);
                });
              }
            : fn;
      },
    },
  }) as ResponseStream;
}

/** Settles when the stream has ended, one way or another. */
function streamEnded(stream: ResponseStream): Promise<void> {
  if (stream.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    for (const event of ['finish', 'close', 'error']) stream.once(event, () => resolve());
  });
}

/**
 * One call of a response-streaming handler: the root span ends when the response stream
 * ends (not when the handler returns), with the status code of the HTTP prelude if one was
 * written. The handler gets the runtime's context and, for the prelude, a view of its stream.
 */
export async function traceStreamingCall<TEvent, TContext extends LambdaContext>(
  pipeline: Pipeline,
  handler: StreamingHandler<TEvent, TContext>,
  event: TEvent,
  responseStream: ResponseStream,
  context: TContext,
): Promise<unknown> {
  const invocation = Invocation.start(pipeline, event, context);
  if (!invocation) return handler(event, responseStream, context);
  let prelude: unknown;
  const stream = watchPrelude(responseStream, (value) => (prelude = value));
  const ended = streamEnded(responseStream);
  let answer: Promise<unknown>;
  try {
    answer = Promise.resolve(contextApi.with(invocation.context, () => handler(event, stream, context)));
  } catch (error) {
    // A handler that is not async may throw before it returns a promise.
    answer = Promise.reject(error);
  }
  // The runtime, too, waits for the stream's end after the handler settles.
  return invocation.follow(answer, async () => {
    await ended;
    return prelude;
  });
}
