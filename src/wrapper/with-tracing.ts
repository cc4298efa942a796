import { context as contextApi } from '@opentelemetry/api';
import type { TracingOptions } from '../config/options';
import { pipelineForHandler } from '../bootstrap/pipeline';
import { Invocation } from './invocation';
import { invokeHandler, type HandlerOutcome, type LambdaCallback, type LambdaHandler } from './invoke-handler';
import type { LambdaContext } from './lambda-context';
import {
  copyStreamingMarks,
  isStreaming,
  traceStreamingCall,
  type ResponseStream,
  type StreamingHandler,
} from './streaming';

/**
 * A wrapped handler, as `withTracing` returns it. Called with two arguments it returns a
 * promise. Lambda's Node.js 20 and 22 runtimes also pass their callback: a callback-style
 * handler then answers through it, so `context.callbackWaitsForEmptyEventLoop` keeps its meaning.
 *
 * @example
 * ```typescript
 * import { withTracing, type TracedHandler } from 'hoptrace';
 * import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
 *
 * export const handler: TracedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Context> = withTracing(
 *   async () => ({ statusCode: 200, body: 'ok' }),
 * );
 * ```
 */
export interface TracedHandler<TEvent, TResult, TContext extends LambdaContext> {
  (event: TEvent, context: TContext): Promise<TResult>;
  (event: TEvent, context: TContext, callback: LambdaCallback<TResult>): Promise<TResult> | void;
}

/**
 * Wraps a Lambda handler: every invocation gets a root span, and its spans are flushed
 * before the invocation answers (with `hoptrace/lambda` loaded: after the response). The
 * handler's result or error passes through as is. Response-streaming handlers work wrapped
 * before or after `awslambda.streamifyResponse`.
 *
 * @example
 * ```typescript
 * import { withTracing } from 'hoptrace';
 *
 * export const handler = withTracing(async (event, context) => ({ statusCode: 200 }));
 * ```
 *
 * @example
 * ```typescript
 * // Options override the environment (here OTEL_SERVICE_NAME and OTEL_TRACES_SAMPLER_ARG).
 * export const handler = withTracing(handle, {
 *   serviceName: 'orders',
 *   sampler: 'parentbased_traceidratio',
 *   samplerRatio: 0.1,
 * });
 * ```
 *
 * @param handler - the handler, in any shape Lambda's Node.js runtime accepts
 * @param options - override the environment's configuration, see {@link TracingOptions}; default `{}`,
 *   everything from the environment
 */
export function withTracing<TEvent = unknown, TResult = unknown, TContext extends LambdaContext = LambdaContext>(
  handler: LambdaHandler<TEvent, TResult, TContext>,
  options: TracingOptions = {},
): TracedHandler<TEvent, TResult, TContext> {
  const pipeline = pipelineForHandler(options);
  // withTracing(awslambda.streamifyResponse(fn)): a streaming handler in, a streaming handler out.
  if (isStreaming(handler)) {
    if (!pipeline) return handler as never;
    const streaming = handler as unknown as StreamingHandler<TEvent, TContext>;
    return copyStreamingMarks(handler, (event: TEvent, stream: ResponseStream, context: TContext) =>
      traceStreamingCall(pipeline, streaming, event, stream, context),
    ) as never;
  }
  // Two declared parameters: Lambda's Node.js 24 runtime refuses a handler that declares a callback.
  return function tracedHandler(
    this: unknown,
    event: TEvent,
    context: TContext,
    ...rest: unknown[]
  ): Promise<TResult> | undefined {
    // awslambda.streamifyResponse(withTracing(fn)): marked after wrapping, called as (event, stream, context).
    if (isStreaming(tracedHandler)) {
      const streaming = handler as unknown as StreamingHandler<TEvent, TContext>;
      const stream = context as unknown as ResponseStream;
      const lambdaContext = rest[0] as TContext;
      return (
        pipeline
          ? traceStreamingCall(pipeline, streaming, event, stream, lambdaContext)
          : streaming(event, stream, lambdaContext)
      ) as Promise<TResult>;
    }
    const invocation = pipeline ? Invocation.start(pipeline, event, context) : undefined;
    // A class method wrapped as a handler (decorators) keeps its `this`.
    const run = (): HandlerOutcome<TResult> =>
      invokeHandler(this === undefined ? handler : handler.bind(this), event, context);
    const outcome = invocation ? contextApi.with(invocation.context, run) : run();
    const result = invocation ? invocation.follow(outcome.result) : outcome.result;
    const lambdaCallback = rest[0];
    if (!outcome.callbackStyle || typeof lambdaCallback !== 'function') return result;
    const answer = lambdaCallback as LambdaCallback<TResult>;
    result.then(
      (value) => answer(null, value),
      (error: unknown) => answer(error),
    );
    return undefined;
  } as TracedHandler<TEvent, TResult, TContext>;
}
