// `hoptrace/durable`: one trace per AWS Lambda durable execution, across all its invocations,
// replays and sandboxes. Built on the public API of `hoptrace`, which it imports.
import {
  withDurableExecution,
  type DurableExecutionConfig,
  type DurableExecutionHandler,
  type DurableLambdaHandler,
} from '@aws/durable-execution-sdk-js';
import { withTracing, type LambdaContext, type TracingOptions } from '../index';
import { durableInvocationContext } from './invocation-event';
import { DurableTracingPlugin } from './plugin';

type DurableEvent = Parameters<DurableLambdaHandler>[0];
type DurableContext = Parameters<DurableLambdaHandler>[1];
type DurableResult = Awaited<ReturnType<DurableLambdaHandler>>;

export { DurableTracingPlugin } from './plugin';
export { durableInvocationContext } from './invocation-event';
export { DURABLE_ATTRIBUTES } from '../otlp/hoptrace-attributes';

/**
 * `withDurableExecution` with tracing: each invocation's root span hangs from the execution's
 * root, steps are recorded once, where they ran, and waits and callbacks as the time they took.
 * `config` is the SDK's own; `tracing` is `withTracing`'s.
 *
 * @example
 * ```typescript
 * import { withDurableTracing } from 'hoptrace/durable';
 *
 * export const handler = withDurableTracing(async (event, context) => context.step('charge', () => charge(event)));
 * ```
 *
 * @param config - `withDurableExecution`'s configuration; its plugins run after hoptrace's. Default `{}`
 * @param tracing - `withTracing`'s options, see `TracingOptions`. Default `{}`: everything from the environment
 */
export function withDurableTracing<TEvent = unknown, TResult = unknown>(
  handler: DurableExecutionHandler<TEvent, TResult>,
  config: DurableExecutionConfig = {},
  tracing: TracingOptions = {},
): DurableLambdaHandler {
  const durable = withDurableExecution(handler, {
    ...config,
    plugins: [new DurableTracingPlugin(), ...(config.plugins ?? [])],
  });
  const traced = withTracing<DurableEvent, DurableResult, DurableContext & LambdaContext>(durable, {
    ...tracing,
    extractContext: durableInvocationContext,
  });
  // The same call shape: `aws-lambda`'s Context lacks only LambdaContext's index signature.
  return traced as unknown as DurableLambdaHandler;
}
