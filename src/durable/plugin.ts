import {
  context,
  createContextKey,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
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

// What an invocation saw of its suspensions when it began, for its end to compare with.
const INVOCATION = createContextKey('hoptrace.durable.invocation');

interface InvocationStart {
  readonly startMs: number;
  /** Suspensions ended then. */
  readonly ended: ReadonlySet<string>;
  /** Suspensions an earlier invocation already acted after, so recorded. */
  readonly settled: ReadonlySet<string>;
}

function isEndedSuspension(op: OperationInfo): boolean {
  return SUSPENDING.has(op.type) && op.status !== undefined && ENDED.has(op.status);
}

/**
 * When an invocation last acted: started an operation, or ended a step or context. Invocations
 * checkpoint those; the service records a suspension's end.
 */
function lastActMs(ops: readonly OperationInfo[]): number {
  let last = 0;
  for (const op of ops) {
    if (op.type === 'EXECUTION') continue;
    last = Math.max(last, op.startTimestamp?.getTime() ?? 0);
    if (!SUSPENDING.has(op.type)) last = Math.max(last, op.endTimestamp?.getTime() ?? 0);
  }
  return last;
}

/**
 * Whether an invocation has acted since the suspension ended. Once true it stays true for the
 * execution's life, since checkpointed timestamps only accrue: so exactly one invocation sees it
 * false at its start and true at its end (or ends the execution), and that invocation, the one
 * that resumed the suspension, records it, with no state written and whether or not Lambda
 * lists it as updated (local runners never do). A wait with no end timestamp (local runners)
 * counts from its start: nothing after it in the same branch starts before it ends.
 */
function actedAfter(suspension: OperationInfo, lastAct: number): boolean {
  const since = (suspension.endTimestamp ?? suspension.startTimestamp)?.getTime();
  return since !== undefined && lastAct > since;
}

/** `waitForCallback`'s callback is unnamed, under a context named as the call was. */
function suspensionName(op: OperationInfo, operations: Record<string, OperationInfo>): string {
  const parent = op.parentId ? operations[op.parentId] : undefined;
  const named = !op.name && parent?.subType === 'WaitForCallback' ? { ...op, name: parent.name } : op;
  return operationName(named);
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
      const replayed = Object.values(info.operations).filter(
        (op) => op.type !== 'EXECUTION' && op.status !== undefined && ENDED.has(op.status),
      ).length;
      trace.getActiveSpan()?.setAttributes({
        [A.executionArn]: info.executionArn,
        [A.firstInvocation]: info.isFirstInvocation,
        [A.replayedOperations]: replayed,
      });
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
    let ctx = context.active().setValue(CONTEXT_ATTRIBUTES, { [A.executionArn]: info.executionArn });
    try {
      const ops = Object.values(info.operations);
      const ended = ops.filter(isEndedSuspension);
      const lastAct = lastActMs(ops);
      const begun: InvocationStart = {
        startMs: Date.now(),
        ended: new Set(ended.map((op) => op.id)),
        settled: new Set(ended.filter((op) => actedAfter(op, lastAct)).map((op) => op.id)),
      };
      ctx = ctx.setValue(INVOCATION, begun);
    } catch {
      // As above.
    }
    return context.with(ctx, fn);
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
    const over = info.status === 'SUCCEEDED' || info.status === 'FAILED';
    try {
      this.recordSuspensions(info, over);
    } catch {
      // As above.
    }
    if (!over) return;
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

  /**
   * The waits, callbacks and chained invokes this invocation resumed, each a span of the time it
   * took under the execution's root: those it was the first to act after (see `actedAfter`),
   * and, when it ends the execution, every one not recorded before.
   */
  private recordSuspensions(info: InvocationEndInfo, over: boolean): void {
    const begun = context.active().getValue(INVOCATION) as InvocationStart | undefined;
    if (!begun) return;
    const ops = Object.values(info.operations);
    const lastAct = lastActMs(ops);
    const now = Date.now();
    const parent = rootParent(executionTrace(info.executionArn, info.executionInput), context.active());
    for (const op of ops) {
      if (!isEndedSuspension(op) || begun.settled.has(op.id) || !(over || actedAfter(op, lastAct))) continue;
      // Without an end timestamp, it ended before this invocation began, or while it ran.
      const end = op.endTimestamp?.getTime() ?? (begun.ended.has(op.id) ? begun.startMs : now);
      const start = op.startTimestamp?.getTime() ?? end;
      const span = tracer().startSpan(
        suspensionName(op, info.operations),
        {
          startTime: start,
          attributes: { ...operationAttributes(op), [A.executionArn]: info.executionArn, [A.status]: op.status },
        },
        parent,
      );
      if (op.status !== 'SUCCEEDED')
        fail(span, op.error ?? new Error(`${op.type.toLowerCase()} ${String(op.status).toLowerCase()}`));
      span.end(Math.max(start, end));
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
