import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withTracing } from '../../../../src/index';
import { durableInvocationContext } from '../../../../src/durable/invocation-event';
import { DurableTracingPlugin } from '../../../../src/durable/plugin';
import { trace } from '@opentelemetry/api';
import type { InvocationInfo, OperationInfo } from '@aws/durable-execution-sdk-js';
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

function info(operations: OperationInfo[], updated: string[]): InvocationInfo {
  const all = Object.fromEntries(operations.map((o) => [o.id, o]));
  return {
    requestId: 'r',
    executionArn: ARN,
    executionInput: {},
    operations: all,
    isFirstInvocation: false,
    updatedOperations: Object.fromEntries(updated.map((id) => [id, all[id]!])),
  };
}

async function invoke(start: InvocationInfo): Promise<void> {
  const plugin = new DurableTracingPlugin();
  const handler = withTracing(async () => plugin.onInvocationStart(start), {
    endpoint: receiver().url,
    extractContext: durableInvocationContext,
  });
  await handler(event({}), lambdaContext());
}

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

  it('records the suspension Lambda names as updated, as the time it took, under the execution root', async () => {
    const wait = op({ id: 'w', type: 'WAIT', status: 'SUCCEEDED', startTimestamp: waitStart, endTimestamp: waitEnd });
    const earlier = op({
      id: 'w0',
      type: 'WAIT',
      status: 'SUCCEEDED',
      startTimestamp: new Date('2026-12-01T09:00:00Z'),
      endTimestamp: new Date('2026-12-01T09:01:00Z'),
    });
    await invoke(info([op({ id: 'e', type: 'EXECUTION' }), earlier, wait], ['w']));
    const waits = receiver()
      .spans()
      .filter((s) => s.name === 'wait');
    expect(waits).toHaveLength(1);
    expect(Number(BigInt(waits[0]!.startTimeUnixNano) / 1_000_000n)).toBe(waitStart.getTime());
    expect(Number(BigInt(waits[0]!.endTimeUnixNano) / 1_000_000n)).toBe(waitEnd.getTime());
    expect(waits[0]!.parentSpanId).toBe(derived('root', 16));
    expect(attr(waits[0]!, 'hoptrace.durable.execution_arn')).toBe(ARN);
  });

  it('without the updated list, records only the suspension started last, and only once it has ended', async () => {
    const step = op({
      id: 's',
      type: 'STEP',
      name: 'charge',
      status: 'SUCCEEDED',
      startTimestamp: new Date('2026-12-01T10:06:00Z'),
    });
    const wait = op({ id: 'w', type: 'WAIT', status: 'SUCCEEDED', startTimestamp: waitStart, endTimestamp: waitEnd });
    await invoke(info([wait, step], []));
    expect(
      receiver()
        .spans()
        .filter((s) => s.name === 'wait'),
    ).toHaveLength(0);
    receiver().reset();
    const callback = op({ id: 'c', type: 'CALLBACK', name: 'approval', status: 'STARTED', startTimestamp: waitEnd });
    await invoke(info([wait, callback], []));
    expect(
      receiver()
        .spans()
        .filter((s) => s.name === 'wait' || s.name === 'callback approval'),
    ).toHaveLength(0);
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
    await invoke(info([op({ id: 'e', type: 'EXECUTION', status: 'STARTED' }), step, callback], ['c']));
    const spans = receiver().spans();
    const span = spans.find((s) => s.name === 'callback approval')!;
    expect(span.status?.code).toBe(2);
    expect(span.status?.message).toBe('callback timed_out');
    const invocation = spans.find((s) => attr(s, 'faas.invocation_id') !== undefined)!;
    expect(attr(invocation, 'hoptrace.durable.replayed_operations')).toBe(2);
    expect(attr(invocation, 'hoptrace.durable.first_invocation')).toBe(false);
  });
});
