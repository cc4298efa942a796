import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withTracing } from '../../../../src/index';
import { durableInvocationContext } from '../../../../src/durable/invocation-event';
import { DurableTracingPlugin } from '../../../../src/durable/plugin';
import { trace } from '@opentelemetry/api';
import type { InvocationEndInfo, InvocationInfo, OperationInfo } from '@aws/durable-execution-sdk-js';
import { httpApiEvent, lambdaContext, PARENT_TRACE_ID, VALID_TRACEPARENT } from '../../../helpers/lambda';
import { attr } from '../../../../testing/otlp-receiver';
import { useReceiver } from '../../../helpers/test-bed';

// The plugin's hooks and the event reading, driven directly (the SDK itself needs Node >= 22:
// test/integration/durable.test.ts runs them under it).
const receiver = useReceiver();
const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:orders:1/durable-execution/run-1/abc';
const derived = (suffix: string, chars: number) =>
  createHash('sha256').update(`${ARN}/${suffix}`).digest('hex').slice(0, chars);

function event(input: unknown): Record<string, unknown> {
  const payload = typeof input === 'string' ? input : JSON.stringify(input);
  return {
    DurableExecutionArn: ARN,
    CheckpointToken: 't',
    InitialExecutionState: {
      Operations: [{ Id: 'e', Type: 'EXECUTION', ExecutionDetails: { InputPayload: payload } }],
    },
  };
}

const op = (fields: Partial<OperationInfo> & Pick<OperationInfo, 'id' | 'type'>): OperationInfo => ({
  isReplay: true,
  ...fields,
});

function info(operations: OperationInfo[]): InvocationInfo {
  return {
    requestId: 'r',
    executionArn: ARN,
    executionInput: {},
    operations: Object.fromEntries(operations.map((o) => [o.id, o])),
    isFirstInvocation: false,
    updatedOperations: {},
  };
}

/** One invocation: its operations when it begins and when it ends, and how it ends. */
async function invoke(
  start: OperationInfo[],
  end: OperationInfo[] = start,
  status: InvocationEndInfo['status'] = 'PENDING',
): Promise<void> {
  const plugin = new DurableTracingPlugin();
  const begin = info(start);
  const handler = withTracing(
    async () => {
      await plugin.onInvocationStart(begin);
      await plugin.wrapInvocation(begin, async () => {
        await plugin.onInvocationEnd({ ...begin, operations: info(end).operations, status });
        return { Status: 'PENDING' } as never;
      });
    },
    { endpoint: receiver().url, extractContext: durableInvocationContext },
  );
  await handler(event({}), lambdaContext());
}

const named = (name: string) =>
  receiver()
    .spans()
    .filter((s) => s.name === name);
const ms = (nanos: string) => Number(BigInt(nanos) / 1_000_000n);

describe('the durable invocation event', () => {
  it('hangs the invocation under the execution root, on a trace derived from the ARN', async () => {
    const handler = withTracing(async () => trace.getActiveSpan()?.spanContext(), {
      endpoint: receiver().url,
      extractContext: durableInvocationContext,
    });
    await handler(event({ orderId: 1 }), lambdaContext());
    const root = receiver()
      .spans()
      .find((s) => attr(s, 'faas.invocation_id') !== undefined);
    expect(root!.traceId).toBe(derived('trace', 32));
    expect(root!.parentSpanId).toBe(derived('root', 16));
  });

  it("takes the caller's trace from a traceparent in the input, top-level or in HTTP-shaped headers of any case", () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    for (const input of [{ traceparent }, { headers: { TraceParent: traceparent } }]) {
      const parent = trace.getSpanContext(durableInvocationContext(event(input))!)!;
      expect(parent.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(parent.spanId).toBe(derived('root', 16));
    }
  });

  it('derives the trace from the ARN when the input is not JSON or its traceparent is invalid, and reads no other event', () => {
    for (const input of [
      'not json',
      { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' },
      { traceparent: 42 },
    ]) {
      expect(trace.getSpanContext(durableInvocationContext(event(input))!)!.traceId).toBe(derived('trace', 32));
    }
    for (const other of [
      undefined,
      null,
      'x',
      {},
      { DurableExecutionArn: '' },
      { DurableExecutionArn: 7 },
      { headers: {} },
    ]) {
      expect(durableInvocationContext(other)).toBeUndefined();
    }
  });

  it("logs a failing extractContext and keeps the event's own context", async () => {
    const handler = withTracing(async () => 'ok', {
      endpoint: receiver().url,
      extractContext: () => {
        throw new Error('bad payload');
      },
    });
    await expect(handler(httpApiEvent({ traceparent: VALID_TRACEPARENT }), lambdaContext())).resolves.toBe('ok');
    expect(
      receiver()
        .spans()
        .find((s) => attr(s, 'faas.invocation_id') !== undefined)!.traceId,
    ).toBe(PARENT_TRACE_ID);
  });
});

describe('the durable tracing plugin', () => {
  const waitStart = new Date('2026-12-01T10:00:00.000Z');
  const waitEnd = new Date('2026-12-01T10:05:00.000Z');
  const after = new Date('2026-12-01T10:05:01.000Z');
  const execution = op({ id: 'e', type: 'EXECUTION', status: 'STARTED' });
  const pending = op({ id: 'w', type: 'WAIT', status: 'STARTED', startTimestamp: waitStart });
  const wait = { ...pending, status: 'SUCCEEDED' as const, endTimestamp: waitEnd };
  const charge = op({ id: 's', type: 'STEP', name: 'charge', status: 'STARTED', startTimestamp: after });

  it('records a suspension once, by the invocation that first acts after it ended, under the execution root', async () => {
    // Suspends on the wait; resumed from it, starts the next step; then replays past both.
    await invoke([execution], [execution, pending]);
    expect(named('wait')).toHaveLength(0);
    await invoke([execution, wait], [execution, wait, charge]);
    const waits = named('wait');
    expect(waits).toHaveLength(1);
    expect(ms(waits[0]!.startTimeUnixNano)).toBe(waitStart.getTime());
    expect(ms(waits[0]!.endTimeUnixNano)).toBe(waitEnd.getTime());
    expect(waits[0]!.parentSpanId).toBe(derived('root', 16));
    expect(attr(waits[0]!, 'hoptrace.durable.execution_arn')).toBe(ARN);
    receiver().reset();
    const charged = { ...charge, status: 'SUCCEEDED' as const, endTimestamp: after };
    await invoke([execution, wait, charge], [execution, wait, charged], 'SUCCEEDED');
    expect(named('wait')).toHaveLength(0);
  });

  it('leaves a suspension an invocation replays past without acting to the next, and the last to the one that ends the execution', async () => {
    // Two callbacks awaited together: the first answer's invocation only waits for the second.
    const first = op({
      id: 'c1',
      type: 'CALLBACK',
      name: 'first',
      status: 'SUCCEEDED',
      startTimestamp: waitStart,
      endTimestamp: waitEnd,
    });
    const second = op({ id: 'c2', type: 'CALLBACK', name: 'second', status: 'STARTED', startTimestamp: waitStart });
    await invoke([execution, first, second]);
    expect(named('callback first')).toHaveLength(0);
    const answered = { ...second, status: 'SUCCEEDED' as const, endTimestamp: after };
    await invoke([execution, first, answered], [execution, first, answered], 'SUCCEEDED');
    expect(named('callback first')).toHaveLength(1);
    expect(named('callback second')).toHaveLength(1);
  });

  it("records a suspension that ends while the invocation runs, and names waitForCallback's callback as the call", async () => {
    const context = op({
      id: 'x',
      type: 'CONTEXT',
      subType: 'WaitForCallback',
      name: 'approval',
      status: 'STARTED',
      startTimestamp: waitStart,
    });
    const callback = op({ id: 'c', type: 'CALLBACK', parentId: 'x', status: 'STARTED', startTimestamp: waitStart });
    const done = { ...context, status: 'SUCCEEDED' as const, endTimestamp: after };
    const answered = { ...callback, status: 'SUCCEEDED' as const, endTimestamp: waitEnd };
    await invoke([execution, context, callback], [execution, done, answered, charge]);
    const spans = named('callback approval');
    expect(spans).toHaveLength(1);
    expect(ms(spans[0]!.endTimeUnixNano)).toBe(waitEnd.getTime());
    expect(attr(spans[0]!, 'hoptrace.durable.operation_type')).toBe('CALLBACK');
  });

  it('ends a wait without an end timestamp (local runners) when the invocation that resumed it began', async () => {
    const ended = { ...pending, status: 'SUCCEEDED' as const };
    const before = Date.now();
    await invoke([execution, ended], [execution, ended, { ...charge, startTimestamp: new Date(before + 1) }]);
    const waits = named('wait');
    expect(waits).toHaveLength(1);
    expect(ms(waits[0]!.endTimeUnixNano)).toBeGreaterThanOrEqual(before);
    expect(ms(waits[0]!.endTimeUnixNano)).toBeLessThanOrEqual(Date.now());
  });

  it('marks a suspension that timed out or failed as an error, and counts the replayed operations on the invocation', async () => {
    const callback = op({
      id: 'c',
      type: 'CALLBACK',
      name: 'approval',
      status: 'TIMED_OUT',
      startTimestamp: waitStart,
      endTimestamp: waitEnd,
    });
    const step = op({
      id: 's',
      type: 'STEP',
      name: 'charge',
      status: 'SUCCEEDED',
      startTimestamp: new Date('2026-12-01T09:00:00Z'),
    });
    await invoke([execution, step, callback], [execution, step, callback], 'FAILED');
    const spans = receiver().spans();
    const span = spans.find((s) => s.name === 'callback approval')!;
    expect(span.status?.code).toBe(2);
    expect(span.status?.message).toBe('callback timed_out');
    const invocation = spans.find((s) => attr(s, 'faas.invocation_id') !== undefined)!;
    expect(attr(invocation, 'hoptrace.durable.replayed_operations')).toBe(2);
    expect(attr(invocation, 'hoptrace.durable.first_invocation')).toBe(false);
  });
});
