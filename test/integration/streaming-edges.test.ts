import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { withTracing } from '../../src/index';
import { lambdaContext } from '../helpers/lambda';
import { attr } from '../../testing/otlp-receiver';
import { useReceiver } from '../helpers/test-bed';

// Response-streaming handlers at their edges, on an in-process stream (the runtime's own
// client runs the ordinary cases in lambda-streaming.test.ts).
const receiver = useReceiver();
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

function streaming<T extends (...args: never[]) => unknown>(fn: T): T {
  (fn as unknown as Record<symbol, unknown>)[STREAMING] = 'response';
  return fn;
}

type StreamingCall = (event: unknown, stream: PassThrough, context: unknown) => Promise<unknown>;

describe('a wrapped response-streaming handler', () => {
  it('records an error thrown before the handler returns a promise, and exports at once', async () => {
    const error = new Error('bad request line');
    const handler = withTracing(
      streaming(() => {
        throw error;
      }),
      { endpoint: receiver().url },
    ) as unknown as StreamingCall;
    await expect(handler({}, new PassThrough(), lambdaContext())).rejects.toBe(error);
    const root = receiver()
      .spans()
      .find((s) => attr(s, 'faas.invocation_id') !== undefined);
    expect(root!.status.code).toBe(2);
    expect(attr(root!, 'hoptrace.provisional')).toBeUndefined();
    expect(root!.events.map((e) => e.name)).toContain('exception');
  });

  it('ends the root when the stream ends, after the handler returned, as the runtime waits for it', async () => {
    const stream = new PassThrough();
    const handler = withTracing(
      streaming(async (_event: unknown, s: never) => {
        (s as PassThrough).write('head');
        setTimeout(() => (s as PassThrough).end('tail'), 20);
      }),
      { endpoint: receiver().url },
    ) as unknown as StreamingCall;
    stream.resume();
    const answer = handler({}, stream, lambdaContext());
    await answer;
    expect(stream.writableFinished).toBe(true);
    const root = receiver()
      .spans()
      .find((s) => attr(s, 'faas.invocation_id') !== undefined)!;
    expect(BigInt(root.endTimeUnixNano) - BigInt(root.startTimeUnixNano)).toBeGreaterThanOrEqual(15_000_000n);
  });
});
