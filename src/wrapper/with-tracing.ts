import { context as contextApi } from '@opentelemetry/api';
import type { TracingOptions } from '../config/options';
import { Invocation } from './invocation';
import { invokeHandler, type LambdaHandler } from './invoke-handler';
import type { LambdaContext } from './lambda-context';
import { pipelineForHandler } from './pipeline';
import { copyStreamingMarks, isStreaming, traceStreamingCall, type ResponseStream, type StreamingHandler } from './streaming';

/**
 * Wraps a Lambda handler: every invocation gets a root span, and its spans are flushed
 * before the returned promise settles (with `hoptrace/lambda` loaded: after the response).
 * The handler's result or error passes through as is. Response-streaming handlers work
 * wrapped before or after `awslambda.streamifyResponse`.
 *
 * @example export const handler = withTracing(async (event, context) => ({ statusCode: 200 }));
 */
export function withTracing<TEvent = unknown, TResult = unknown, TContext extends LambdaContext = LambdaContext>(
  handler: LambdaHandler<TEvent, TResult, TContext>,
  options: TracingOptions = {},
): (event: TEvent, context: TContext) => Promise<TResult> {
  const pipeline = pipelineForHandler(options);
  if (!pipeline) {
    if (isStreaming(handler)) return handler as never;
    return function untracedHandler(event: TEvent, context: TContext, ...streamArgs: unknown[]): Promise<TResult> {
      if (isStreaming(untracedHandler)) return (handler as unknown as StreamingHandler)(event, context as unknown as ResponseStream, streamArgs[0] as TContext) as Promise<TResult>;
      return invokeHandler(handler, event, context);
    };
  }
  // withTracing(awslambda.streamifyResponse(fn)): a streaming handler in, a streaming handler out.
  if (isStreaming(handler)) {
    const streaming = handler as unknown as StreamingHandler<TEvent, TContext>;
    return copyStreamingMarks(handler, (event: TEvent, stream: ResponseStream, context: TContext) => traceStreamingCall(pipeline, streaming, event, stream, context)) as never;
  }
  return async function tracedHandler(event: TEvent, context: TContext, ...streamArgs: unknown[]): Promise<TResult> {
    // awslambda.streamifyResponse(withTracing(fn)): marked after wrapping, called as (event, stream, context).
    if (isStreaming(tracedHandler)) {
      const streaming = handler as unknown as StreamingHandler<TEvent, TContext>;
      return traceStreamingCall(pipeline, streaming, event, context as unknown as ResponseStream, streamArgs[0] as TContext) as Promise<TResult>;
    }
    const invocation = Invocation.start(pipeline, event, context);
    if (!invocation) return invokeHandler(handler, event, context);
    try {
      const result = await contextApi.with(invocation.context, () => invokeHandler(handler, event, context));
      invocation.recordResult(result);
      return result;
    } catch (error) {
      invocation.recordError(error);
      throw error;
    } finally {
      await invocation.finish();
    }
  };
}
