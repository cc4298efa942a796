import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import type {
  AttemptInfo,
  DurableExecutionInvocationOutput,
  DurableInstrumentationPlugin,
  InvocationEndInfo,
  InvocationInfo,
  OperationInfo,
} from '@aws/durable-execution-sdk-js';
import { CHOSEN_IDS, type ChosenIds } from '../tracer/chosen-ids';
import { CONTEXT_ATTRIBUTES } from '../tracer/context-attributes';
import { DURABLE_ATTRIBUTES as A } from '../otlp/hoptrace-attributes';
import { executionTrace, rootParent } from './execution-trace';

type CustomerFn = Parameters<NonNullable<DurableInstrumentationPlugin['wrapOperationAttemptFn']>>[1];
type CustomerFnResult = ReturnType<CustomerFn>;

// Operations that suspend the execution: their time passes between invocations.
const SUSPENDING = new Set(['WAIT', 'CALLBACK', 'CHAINED_INVOKE']);
const ENDED = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'STOPPED', 'CANCELLED']);

function tracer() {
  return trace.getTracer('hoptrace/durable');
}

function operationAttributes(op: OperationInfo): Attributes {
  const attributes: Attributes = { [A.operationId]: op.id, [A.operationType]: op.type };
  if (op.subType) attributes[A.operationSubtype] = op.subType;
  return attributes;
}

function operationName(op: OperationInfo): string {
  const kind = op.type.toLowerCase().replace('chained_invoke', 'invoke');
  return op.type === 'STEP' && op.name ? op.name : op.name ? `${kind} ${op.name}` : kind;
}

function fail(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * The suspensions this invocation resumes from: those Lambda names as updated since the last
 * invocation; without that list (local test runners), the suspension started last, when it
 * has ended, since nothing could start after a suspension before it ended.
 */
function resumedSuspensions(info: InvocationInfo): OperationInfo[] {
  const ops = Object.values(info.operations);
  const ended = (op: OperationInfo): boolean =>
    SUSPENDING.has(op.type) && op.status !== undefined && ENDED.has(op.status);
  const updated = Object.keys(info.updatedOperations);
  if (updated.length > 0)
    return updated.map((id) => info.operations[id]).filter((op): op is OperationInfo => op !== undefined && ended(op));
  if (info.isFirstInvocation) return [];
  let last: OperationInfo | undefined;
  for (const op of ops) {
    if (op.type === 'EXECUTION' || !op.startTimestamp) continue;
    if (!last?.startTimestamp || op.startTimestamp >= last.startTimestamp) last = op;
  }
  return last && ended(last) ? [last] : [];
}

/**
 * Records a durable execution as one trace. Each step attempt is a span where it ran (replayed
 * steps do not run, so are not recorded again); each wait, callback and chained invoke is a span
 * of the time it took, recorded by the invocation it resumed; the execution's root, from its
 * start to its end, is recorded by the invocation that ends it. The plugin keeps no state
 * between invocations: everything comes from the execution's checkpointed state, so a replay in
 * another sandbox continues the same trace. Every hook swallows its own failures.
 * `withDurableTracing` installs it; install it yourself where you call `withDurableExecution`.
 *
 * @example
 * ```typescript
 * import { withDurableExecution } from '@aws/durable-execution-sdk-js';
 * import { withTracing } from 'hoptrace';
 * import { DurableTracingPlugin, durableInvocationContext } from 'hoptrace/durable';
 *
 * const durable = withDurableExecution(handle, { plugins: [new DurableTracingPlugin()] });
 * export const handler = withTracing(durable, { extractContext: durableInvocationContext });
 * ```
 */
export class DurableTracingPlugin implements DurableInstrumentationPlugin {
  async onInvocationStart(info: InvocationInfo): Promise<void> {
    try {
      const invocationStart = Date.now();
      const invocation = trace.getActiveSpan();
      const replayed = Object.values(info.operations).filter(
        (op) => op.type !== 'EXECUTION' && op.status !== undefined && ENDED.has(op.status),
      ).length;
      invocation?.setAttributes({
        [A.executionArn]: info.executionArn,
        [A.firstInvocation]: info.isFirstInvocation,
        [A.replayedOperations]: replayed,
      });
      const execution = executionTrace(info.executionArn, info.executionInput);
      const parent = rootParent(execution, context.active());
      for (const op of resumedSuspensions(info)) {
        const start = op.startTimestamp?.getTime() ?? invocationStart;
        const span = tracer().startSpan(
          operationName(op),
          {
            startTime: start,
            attributes: { ...operationAttributes(op), [A.executionArn]: info.executionArn, [A.status]: op.status },
          },
          parent,
        );
        if (op.status !== 'SUCCEEDED')
          fail(span, op.error ?? new Error(`${op.type.toLowerCase()} ${String(op.status).toLowerCase()}`));
        span.end(Math.max(start, op.endTimestamp?.getTime() ?? invocationStart));
      }
    } catch {
      // Tracing never changes the execution: a failure here costs spans, nothing else.
    }
  }

  wrapInvocation(
    info: InvocationInfo,
    fn: () => Promise<DurableExecutionInvocationOutput>,
  ): Promise<DurableExecutionInvocationOutput> {
    // Every span started in the execution carries its ARN, the user's own included: the
    // execution's context (one plugin serves every execution of the process, and on Managed
    // Instances several run at once) gives it to each span the tracer starts.
    return context.with(context.active().setValue(CONTEXT_ATTRIBUTES, { [A.executionArn]: info.executionArn }), fn);
  }

  wrapOperationAttemptFn(info: AttemptInfo, fn: CustomerFn): CustomerFnResult {
    let span: Span;
    try {
      span = tracer().startSpan(operationName(info), {
        attributes: { ...operationAttributes(info), [A.attempt]: info.attempt },
      });
    } catch {
      return fn();
    }
    let result: CustomerFnResult;
    try {
      result = context.with(trace.setSpan(context.active(), span), fn);
    } catch (error) {
      fail(span, error);
      span.end();
      throw error;
    }
    if (!isThenable(result)) {
      span.end();
      return result;
    }
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        fail(span, error);
        span.end();
        throw error;
      },
    );
  }

  async onInvocationEnd(info: InvocationEndInfo): Promise<void> {
    if (info.status !== 'SUCCEEDED' && info.status !== 'FAILED') return;
    try {
      const execution = executionTrace(info.executionArn, info.executionInput);
      const active = context.active();
      const base = execution.caller ? trace.setSpanContext(active, execution.caller) : trace.deleteSpan(active);
      const ids: ChosenIds = { traceId: execution.traceId, spanId: execution.rootSpanId };
      const name = `${process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'durable'} execution`;
      const root = tracer().startSpan(
        name,
        {
          kind: SpanKind.SERVER,
          startTime: info.executionStartTimestamp ?? Date.now(),
          attributes: { [A.executionArn]: info.executionArn, [A.status]: info.status },
        },
        base.setValue(CHOSEN_IDS, ids),
      );
      if (info.status === 'FAILED') fail(root, info.executionError ?? new Error('durable execution failed'));
      root.end();
    } catch {
      // As above.
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
