import { afterEach, describe, expect, it } from 'vitest';
import { httpApiEvent } from '../helpers/lambda';
import { RIC, sandboxes, spansOf } from '../../testing/lambda-sandbox';
import { attr } from '../../testing/otlp-receiver';

// Response streaming under the real runtime client, both wrap orders, with and without the
// extension. The handler returns before its stream ends: the root must end with the stream.

const STREAM_FN = `async (event, responseStream, context) => {
  const http = awslambda.HttpResponseStream.from(responseStream, { statusCode: 201, headers: { 'content-type': 'text/plain' } });
  http.write('hello ');
  setTimeout(() => {
    trace.getTracer('orders').startSpan('last chunk').end();
    http.write(context.awsRequestId);
    http.end();
  }, 20);
}`;

function handlerFile(wrapped: string, extension: boolean): string {
  return `${extension ? "import 'hoptrace/lambda';\n" : ''}import { withTracing } from 'hoptrace';
import { trace } from '@opentelemetry/api';
export const handler = ${wrapped.replace('FN', STREAM_FN)};
`;
}

const PRELUDE_END = Buffer.alloc(8);

const { boot, cleanup } = sandboxes();
afterEach(cleanup);

describe(`response streaming under aws-lambda-ric ${RIC}.x on Node ${process.versions.node}`, () => {
  const forms = [
    ['withTracing(awslambda.streamifyResponse(fn))', 'withTracing(awslambda.streamifyResponse(FN))'],
    ['awslambda.streamifyResponse(withTracing(fn))', 'awslambda.streamifyResponse(withTracing(FN))'],
  ] as const;
  for (const [form, wrapped] of forms) {
    for (const extension of [true, false]) {
      it(`${form}${extension ? ', exported after the response' : ', exported before the return'}: streams, with the real context, and the root ends with the stream`, async () => {
        const { api, receiver, sandbox } = await boot({ 'index.mjs': handlerFile(wrapped, extension) });
        const response = await api.invoke(httpApiEvent());
        expect(response.error).toBe(false);
        expect(response.contentType).toBe('application/vnd.awslambda.http-integration-response');
        const split = response.body.indexOf(PRELUDE_END);
        expect(JSON.parse(response.body.subarray(0, split).toString())).toEqual({
          statusCode: 201,
          headers: { 'content-type': 'text/plain' },
        });
        expect(response.body.subarray(split + PRELUDE_END.length).toString()).toBe(`hello ${response.requestId}`);
        await api.nextFreeze();
        const spans = spansOf(receiver, response.requestId);
        const root = spans.find((s) => s.parentSpanId === undefined || s.parentSpanId === '')!;
        const last = spans.find((s) => s.name === 'last chunk')!;
        expect(root).toBeDefined();
        expect(last.parentSpanId).toBe(root.spanId);
        expect(attr(root, 'http.response.status_code')).toBe(201);
        expect(BigInt(root.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(last.endTimeUnixNano));
        expect(sandbox.output()).not.toMatch(/Error|unfinished/);
      });
    }
  }

  it('a streaming handler that fails mid-stream: the root records the error, and its spans still leave before the freeze', async () => {
    const failing = `async (event, responseStream) => {
  responseStream.write('partial');
  throw new Error('upstream gone');
}`;
    const { api, receiver } = await boot({
      'index.mjs': `import 'hoptrace/lambda';\nimport { withTracing } from 'hoptrace';\nexport const handler = withTracing(awslambda.streamifyResponse(${failing}));\n`,
    });
    const response = await api.invoke(httpApiEvent());
    await api.nextFreeze();
    const root = spansOf(receiver, response.requestId).find(
      (s) => attr(s, 'faas.invocation_id') === response.requestId,
    )!;
    expect(root.status).toMatchObject({ code: 2, message: 'upstream gone' });
    expect(attr(root, 'error.type')).toBe('Error');
  });

  it('awslambda.streamifyResponse(withTracing(fn)) with tracing off still hands fn the stream and the real context', async () => {
    const { api } = await boot(
      { 'index.mjs': handlerFile('awslambda.streamifyResponse(withTracing(FN))', false) },
      {},
      { OTEL_SDK_DISABLED: 'true' },
    );
    const response = await api.invoke(httpApiEvent());
    expect(response.error).toBe(false);
    expect(response.body.subarray(response.body.indexOf(PRELUDE_END) + PRELUDE_END.length).toString()).toBe(
      `hello ${response.requestId}`,
    );
  });
});
