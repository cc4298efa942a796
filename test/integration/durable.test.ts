import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attr, type OtlpSpan, type ReceivedRequest } from '../../testing/otlp-receiver';
import { useReceiver } from '../helpers/test-bed';

// The durable execution SDK and its local runner need Node >= 22 (their engines field): CI
// runs this file on Node 22 and 24.
const supported = Number(process.versions.node.split('.')[0]) >= 22;
const receiver = useReceiver();
const FIXTURE = fileURLToPath(new URL('../fixtures/durable/fresh-process.ts', import.meta.url));
const CALLER_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN_ID = 'b7ad6b7169203331';

type Runner = import('@aws/durable-execution-sdk-js-testing').LocalDurableTestRunner;
type Handler = (event: unknown, context: unknown) => Promise<unknown>;
type Run = { spans: OtlpSpan[]; requests: ReceivedRequest[]; invocations: number };

let testing: typeof import('@aws/durable-execution-sdk-js-testing');
let workflow: Handler;

/** One invocation in a fresh Node process, its checkpoint calls answered here. */
function inFreshProcess(
  event: { durableExecutionClient: Record<string, (params: unknown) => Promise<unknown>> } & Record<string, unknown>,
  context: Record<string, unknown>,
): Promise<unknown> {
  const child = fork(FIXTURE, [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    env: { ...process.env, HOPTRACE_TEST_RECEIVER_URL: receiver().url },
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`the fresh process exited with ${code}`))));
    child.on('message', (message: { kind: string; id: number; method: string; params: unknown; output: unknown }) => {
      if (message.kind === 'done') return resolve(message.output);
      event.durableExecutionClient[message.method]!(message.params).then(
        (value) => child.send({ kind: 'reply', id: message.id, value }),
        (error: Error) => child.send({ kind: 'reply', id: message.id, error: error.message }),
      );
    });
    const { CheckpointToken, DurableExecutionArn, InitialExecutionState } = event;
    const plain = Object.fromEntries(Object.entries(context).filter(([, v]) => typeof v !== 'function'));
    child.send({
      kind: 'start',
      input: { CheckpointToken, DurableExecutionArn, InitialExecutionState },
      context: plain,
    });
  });
}

const byName = (spans: OtlpSpan[], name: string) => spans.filter((s) => s.name === name);
const ms = (nanos: string | number) => Number(BigInt(nanos) / 1_000_000n);

describe.skipIf(!supported)('hoptrace/durable under the durable execution SDK and its local runner', () => {
  let plain: Run;

  beforeAll(async () => {
    process.env.HOPTRACE_TEST_RECEIVER_URL = receiver().url;
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'orders';
    testing = await import('@aws/durable-execution-sdk-js-testing');
    workflow = (await import('../fixtures/durable/order-workflow')).handler as unknown as Handler;
    // Real time: the runner's skipped time would also fire hoptrace's export timeouts at once.
    // The workflow's wait and retry delay are a second each.
    await testing.LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
    plain = await run(workflow, { orderId: 'o-1' });
  });
  afterAll(async () => {
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    await testing?.LocalDurableTestRunner.teardownTestEnvironment();
  });

  /** Runs the execution to its end, `answer` acting for the outside world while it runs. */
  async function run(
    handlerFunction: Handler,
    payload: unknown,
    result: unknown = { receipt: 'receipt-o-1' },
    answer: (runner: Runner) => Promise<void> = async () => undefined,
  ): Promise<Run> {
    const runner: Runner = new testing.LocalDurableTestRunner({ handlerFunction: handlerFunction as never });
    const [execution] = await Promise.all([runner.run({ payload }), answer(runner)]);
    expect({
      status: execution.getStatus(),
      error: execution.getStatus() === 'FAILED' ? execution.getError() : undefined,
    }).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(execution.getResult()).toEqual(result);
    const spans = receiver().spans();
    const requests = [...receiver().requests];
    receiver().reset();
    return { spans, requests, invocations: execution.getInvocations().length };
  }

  function expectOneTrace(spans: OtlpSpan[], invocations: number): { root: OtlpSpan; invocationSpans: OtlpSpan[] } {
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const root = byName(spans, 'orders execution');
    expect(root).toHaveLength(1);
    const invocationSpans = spans.filter((s) => attr(s, 'faas.invocation_id') !== undefined);
    expect(invocationSpans).toHaveLength(invocations);
    for (const span of invocationSpans) expect(span.parentSpanId).toBe(root[0]!.spanId);
    const arn = attr(root[0]!, 'hoptrace.durable.execution_arn');
    expect(typeof arn).toBe('string');
    // Every span started in the execution, the user's own in a step included; the sandbox's
    // init span, started before the execution's first invocation runs, belongs to the sandbox.
    for (const span of spans.filter((s) => s.name !== 'init'))
      expect({ name: span.name, arn: attr(span, 'hoptrace.durable.execution_arn') }).toEqual({ name: span.name, arn });
    return { root: root[0]!, invocationSpans };
  }

  it('records a multi-step execution with a wait as one trace, each step once, the wait as the time it took', () => {
    const { spans, invocations } = plain;
    expect(invocations).toBeGreaterThanOrEqual(2);
    const { root, invocationSpans } = expectOneTrace(spans, invocations);
    expect(root.parentSpanId).toBeUndefined();
    const load = byName(spans, 'load order');
    expect(load).toHaveLength(1);
    const first = invocationSpans.find((s) => attr(s, 'hoptrace.durable.first_invocation') === true)!;
    expect(load[0]!.parentSpanId).toBe(first.spanId);
    expect(byName(spans, 'query orders table')[0]!.parentSpanId).toBe(load[0]!.spanId);
    const wait = byName(spans, 'wait');
    expect(wait).toHaveLength(1);
    expect(wait[0]!.parentSpanId).toBe(root.spanId);
    expect(attr(wait[0]!, 'hoptrace.durable.operation_type')).toBe('WAIT');
    // The wait is one second of the service's time, between two invocations.
    expect(ms(wait[0]!.endTimeUnixNano) - ms(wait[0]!.startTimeUnixNano)).toBeGreaterThanOrEqual(900);
    // Later invocations replayed the load step: they say so and do not record it again.
    const later = invocationSpans.filter((s) => s !== first);
    for (const span of later) expect(attr(span, 'hoptrace.durable.replayed_operations')).toBeGreaterThanOrEqual(2);
    expect(ms(root.startTimeUnixNano)).toBeLessThanOrEqual(ms(first.startTimeUnixNano));
  });

  it('records each attempt of a retried step, the failed one as an error', () => {
    const { spans } = plain;
    const attempts = byName(spans, 'charge card').sort(
      (a, b) => Number(attr(a, 'hoptrace.durable.attempt')) - Number(attr(b, 'hoptrace.durable.attempt')),
    );
    expect(attempts.map((s) => attr(s, 'hoptrace.durable.attempt'))).toEqual([1, 2]);
    expect(attempts[0]!.status?.code).toBe(2);
    expect(attempts[0]!.status?.message).toBe('card network timeout');
    expect(attempts[1]!.status?.code ?? 0).not.toBe(2);
  });

  it("continues the caller's trace when the execution's input carries a traceparent", async () => {
    const { spans, invocations } = await run(workflow, {
      orderId: 'o-1',
      traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`,
    });
    const { root } = expectOneTrace(spans, invocations);
    expect(root.traceId).toBe(CALLER_TRACE_ID);
    expect(root.parentSpanId).toBe(CALLER_SPAN_ID);
  });

  it('records a waitForCallback and a createCallback each once, as the time until the answer, under the root', async () => {
    const approvalMs = 1000;
    const paymentMs = 500;
    const approval = (await import('../fixtures/durable/approval-workflow')).handler as unknown as Handler;
    const { spans, invocations } = await run(
      approval,
      { orderId: 'o-2' },
      { order: 'o-2', approval: 'approved', payment: 'paid' },
      async (runner) => {
        const manager = runner.getOperation('approval');
        const provider = runner.getOperation('payment');
        await manager.waitForData(testing.WaitingOperationStatus.SUBMITTED);
        await new Promise((resolve) => setTimeout(resolve, approvalMs));
        await manager.sendCallbackSuccess('approved');
        await provider.waitForData(testing.WaitingOperationStatus.STARTED);
        await new Promise((resolve) => setTimeout(resolve, paymentMs));
        await provider.sendCallbackSuccess('paid');
      },
    );
    // The first invocation suspends on the approval, the second on the payment, the third ends it.
    expect(invocations).toBe(3);
    const { root } = expectOneTrace(spans, invocations);
    expect(byName(spans, 'reserve stock')).toHaveLength(1);
    for (const [name, delayMs] of [
      ['callback approval', approvalMs],
      ['callback payment', paymentMs],
    ] as const) {
      const callback = byName(spans, name);
      expect(callback).toHaveLength(1);
      expect(callback[0]!.parentSpanId).toBe(root.spanId);
      expect(attr(callback[0]!, 'hoptrace.durable.operation_type')).toBe('CALLBACK');
      expect(attr(callback[0]!, 'hoptrace.durable.execution_arn')).toBe(attr(root, 'hoptrace.durable.execution_arn'));
      // Timer rounding may fire a timeout a millisecond early.
      expect(ms(callback[0]!.endTimeUnixNano) - ms(callback[0]!.startTimeUnixNano)).toBeGreaterThanOrEqual(delayMs - 5);
    }
    expect(spans.filter((s) => attr(s, 'hoptrace.durable.operation_type') === 'CALLBACK')).toHaveLength(2);
  });

  it('continues the same trace when a replay runs in a fresh process', async () => {
    let calls = 0;
    const handler: Handler = (event, context) =>
      ++calls === 1 ? workflow(event, context) : inFreshProcess(event as never, context as never);
    const { spans, requests, invocations } = await run(handler, { orderId: 'o-1' });
    expect(calls).toBeGreaterThanOrEqual(2);
    const { root, invocationSpans } = expectOneTrace(spans, invocations);
    // The first invocation ran here, warm from the tests before; each later one in a process of its own.
    expect(requests.length).toBeGreaterThanOrEqual(calls);
    expect(invocationSpans.filter((s) => attr(s, 'faas.coldstart') === true)).toHaveLength(calls - 1);
    expect(byName(spans, 'load order')).toHaveLength(1);
    expect(byName(spans, 'wait')).toHaveLength(1);
    expect(byName(spans, 'charge card').length).toBeGreaterThanOrEqual(1);
    expect(root.parentSpanId).toBeUndefined();
  });
});
