import { context as contextApi } from '@opentelemetry/api';
import type { TracingOptions } from '../config/options';
import { Invocation } from './invocation';
import { invokeHandler, type LambdaHandler } from './invoke-handler';
import type { LambdaContext } from './lambda-context';
import { pipelineForHandler } from './pipeline';

/**
 * Wraps a Lambda handler: every invocation gets a root span, and its spans are flushed
 * before the returned promise settles. The handler's result or error passes through as is.
 *
 * @example export const handler = withTracing(async (event, context) => ({ statusCode: 200 }));
 */
export function withTracing<TEvent = unknown, TResult = unknown, TContext extends LambdaContext = LambdaContext>(
  handler: LambdaHandler<TEvent, TResult, TContext>,
  options: TracingOptions = {},
): (event: TEvent, context: TContext) => Promise<TResult> {
  const pipeline = pipelineForHandler(options);
  if (!pipeline) return (event, context) => invokeHandler(handler, event, context);
  return async function tracedHandler(event: TEvent, context: TContext): Promise<TResult> {
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
