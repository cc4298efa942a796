import { afterEach, describe, expect, it } from 'vitest';
import { sandboxes, spansOf, type Sandbox } from '../../testing/lambda-sandbox';
import type { OtlpSpan } from '../../testing/otlp-receiver';

// Handlers run under the real runtime interface clients (3.x: nodejs20.x/22.x, 4.x: nodejs24.x),
// which patch the console themselves; hoptrace's ids must land in the lines they write.

const HANDLER = `import { withTracing } from 'hoptrace';
import { trace } from '@opentelemetry/api';
console.log('loaded %s', 'outside');
export const handler = withTracing(async () => {
  console.log('plain %s', 'formatted');
  console.info({ order: 7 });
  console.error('failed:', new Error('boom'));
  await trace.getTracer('orders').startActiveSpan('charge card', async (span) => {
    console.warn('in the child');
    span.end();
  });
  return { ok: true };
});
`;

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

function ids(spans: OtlpSpan[], name: string): { trace_id: string; span_id: string } {
  const span = spans.find((s) => s.name === name)!;
  return { trace_id: span.traceId, span_id: span.spanId };
}

/** Each JSON line the client wrote whose message mentions `text`. */
function jsonLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function find(records: Array<Record<string, unknown>>, text: string): Record<string, unknown> | undefined {
  return records.find((r) => JSON.stringify(r.message).includes(text));
}

/** The telemetry frames (type, length, timestamp, message) the client wrote to a descriptor. */
function frames(bytes: Buffer): Array<{ type: number; message: string }> {
  const out: Array<{ type: number; message: string }> = [];
  for (let at = 0; at + 16 <= bytes.length; ) {
    const length = bytes.readInt32BE(at + 4);
    out.push({ type: bytes.readUInt32BE(at), message: bytes.subarray(at + 16, at + 16 + length).toString('utf8') });
    at += 16 + length;
  }
  return out;
}

function collect(sandbox: Sandbox): () => Buffer {
  const chunks: Buffer[] = [];
  sandbox.child.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks);
}

const CONCURRENT = `import { withTracing } from 'hoptrace';
import { trace } from '@opentelemetry/api';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const handler = withTracing(async (event) => {
  console.log('begin %d', event.n);
  await sleep(event.delay);
  await trace.getTracer('orders').startActiveSpan('step', async (span) => {
    await sleep(event.delay);
    console.log('step %d', event.n);
    span.end();
  });
  return { n: event.n };
});
`;

describe('trace ids in console lines under Lambda Managed Instances (aws-lambda-ric 4.x, concurrent invocations)', () => {
  const { boot, cleanup } = sandboxes(4);
  afterEach(cleanup);

  it("every line carries its own invocation's ids, however the invocations interleave", async () => {
    const env = { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_MAX_CONCURRENCY: '8', AWS_LAMBDA_NODEJS_WORKER_COUNT: '2' };
    const { api, receiver, sandbox } = await boot({ 'index.mjs': CONCURRENT }, { maxConcurrency: 8 }, env);
    const responses = await Promise.all(
      Array.from({ length: 16 }, (_, n) => api.invoke({ n, delay: 3 + (n % 5) * 4 })),
    );
    await until(() => jsonLines(sandbox.output()).filter((r) => String(r.message).startsWith('step')).length === 16);
    const records = jsonLines(sandbox.output());
    await until(() => responses.every((r) => spansOf(receiver, r.requestId).length >= 2));
    for (const [n, response] of responses.entries()) {
      const spans = spansOf(receiver, response.requestId);
      expect(records.find((r) => r.message === `begin ${n}`)).toMatchObject({
        requestId: response.requestId,
        ...ids(spans, 'traced'),
      });
      expect(records.find((r) => r.message === `step ${n}`)).toMatchObject({
        requestId: response.requestId,
        ...ids(spans, 'step'),
      });
    }
  });
});

for (const ric of [3, 4] as const) {
  const { boot, cleanup } = sandboxes(ric);
  describe(`trace ids in console lines under aws-lambda-ric ${ric}.x`, () => {
    afterEach(cleanup);

    it('text format: each line inside the invocation opens with its trace and span ids; lines outside are untouched', async () => {
      const { api, receiver, sandbox } = await boot({ 'index.mjs': HANDLER });
      const response = await api.invoke({});
      await until(() => sandbox.output().includes('in the child'));
      const spans = spansOf(receiver, response.requestId);
      const root = ids(spans, 'traced');
      const child = ids(spans, 'charge card');
      const lines = sandbox.output().split('\n');
      const line = (text: string) => lines.find((l) => l.includes(text))!.split('\t');
      expect(line('plain')).toEqual([
        expect.any(String),
        response.requestId,
        'INFO',
        `trace_id=${root.trace_id} span_id=${root.span_id} plain formatted`,
      ]);
      expect(line('order')[3]).toBe(`trace_id=${root.trace_id} span_id=${root.span_id} { order: 7 }`);
      expect(line('failed:')[2]).toBe('ERROR');
      expect(line('failed:')[3]).toMatch(
        new RegExp(`^trace_id=${root.trace_id} span_id=${root.span_id} failed: Error: boom`),
      );
      expect(line('in the child')).toEqual([
        expect.any(String),
        response.requestId,
        'WARN',
        `trace_id=${child.trace_id} span_id=${child.span_id} in the child`,
      ]);
      // What the Logs Insights parse of docs/library/logs.md reads back.
      const parsed = /trace_id=(?<trace_id>[0-9a-f]{32}) span_id=(?<span_id>[0-9a-f]{16})/.exec(
        line('in the child')[3]!,
      )!.groups;
      expect(parsed).toEqual(child);
      expect(line('loaded').slice(2)).toEqual(['INFO', 'loaded outside']);
    });

    it('JSON format: trace_id and span_id are top-level fields of the JSON the client writes', async () => {
      const { api, receiver, sandbox } = await boot({ 'index.mjs': HANDLER }, {}, { AWS_LAMBDA_LOG_FORMAT: 'JSON' });
      const response = await api.invoke({});
      await until(() => sandbox.output().includes('in the child'));
      const spans = spansOf(receiver, response.requestId);
      const root = ids(spans, 'traced');
      const records = jsonLines(sandbox.output());
      expect(find(records, 'plain')).toEqual({
        timestamp: expect.any(String),
        level: 'INFO',
        requestId: response.requestId,
        message: 'plain formatted',
        ...root,
      });
      expect(find(records, 'order')).toEqual({
        timestamp: expect.any(String),
        level: 'INFO',
        requestId: response.requestId,
        message: { order: 7 },
        ...root,
      });
      expect(find(records, 'failed:')).toMatchObject({
        level: 'ERROR',
        errorType: 'Error',
        errorMessage: 'boom',
        ...root,
      });
      expect(find(records, 'in the child')).toMatchObject({
        level: 'WARN',
        requestId: response.requestId,
        ...ids(spans, 'charge card'),
      });
      const outside = find(records, 'loaded')!;
      expect(outside.message).toBe('loaded outside');
      expect(outside).not.toHaveProperty('trace_id');
      expect(outside).not.toHaveProperty('span_id');
    });

    it("JSON format through Lambda's telemetry descriptor: the framed lines carry the ids, lengths intact", async () => {
      const { api, receiver, sandbox } = await boot(
        { 'index.mjs': HANDLER },
        {},
        { AWS_LAMBDA_LOG_FORMAT: 'JSON', _LAMBDA_TELEMETRY_LOG_FD: '2' },
      );
      const written = collect(sandbox);
      const response = await api.invoke({});
      await until(() => written().includes('in the child'));
      const root = ids(spansOf(receiver, response.requestId), 'traced');
      const framed = frames(written());
      expect(framed.every((f) => f.type >>> 16 === 0xa55a)).toBe(true);
      const records = framed.map((f) => JSON.parse(f.message) as Record<string, unknown>);
      expect(find(records, 'plain')).toEqual({
        timestamp: expect.any(String),
        level: 'INFO',
        requestId: response.requestId,
        message: 'plain formatted',
        ...root,
      });
    });

    it('HOPTRACE_LOG_CORRELATION=false leaves every line as the client writes it', async () => {
      const { api, sandbox } = await boot({ 'index.mjs': HANDLER }, {}, { HOPTRACE_LOG_CORRELATION: 'false' });
      const response = await api.invoke({});
      await until(() => sandbox.output().includes('in the child'));
      const plain = sandbox
        .output()
        .split('\n')
        .find((l) => l.includes('plain'))!;
      expect(plain.split('\t').slice(1)).toEqual([response.requestId, 'INFO', 'plain formatted']);
      expect(sandbox.output()).not.toContain('trace_id=');
    });
  });
}
