import type { Context } from '@opentelemetry/api';
import { executionTrace, rootParent } from './execution-trace';

interface WireOperation {
  Type?: string;
  ExecutionDetails?: { InputPayload?: string };
}

interface DurableInvocationEvent {
  DurableExecutionArn?: unknown;
  InitialExecutionState?: { Operations?: WireOperation[] };
}

/**
 * The invocation's parent, read from the durable invocation event before the SDK runs: the
 * execution's root. Lambda passes the execution's input, checkpointed at its start, with every
 * invocation, as the EXECUTION operation's payload. Undefined for any other event. Give it
 * to `withTracing` as `extractContext` (`withDurableTracing` does).
 *
 * @example
 * ```typescript
 * import { withTracing } from 'hoptrace';
 * import { durableInvocationContext } from 'hoptrace/durable';
 *
 * export const handler = withTracing(durableHandler, { extractContext: durableInvocationContext });
 * ```
 */
export function durableInvocationContext(event: unknown): Context | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const { DurableExecutionArn: arn, InitialExecutionState: state } = event as DurableInvocationEvent;
  if (typeof arn !== 'string' || arn === '') return undefined;
  const payload = state?.Operations?.find((op) => op.Type === 'EXECUTION')?.ExecutionDetails?.InputPayload;
  let input: unknown;
  try {
    input = payload ? JSON.parse(payload) : undefined;
  } catch {
    // An input that is not JSON carries no context: the trace is derived from the ARN alone.
  }
  return rootParent(executionTrace(arn, input));
}
