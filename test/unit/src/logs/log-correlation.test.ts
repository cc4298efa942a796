import { format } from 'node:util';
import middy from '@middy/core';
import { trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { traceLogFields, tracing, withTracing } from '../../../../src/index';
import { lambdaContext } from '../../../helpers/lambda';

// Stand-ins for the console methods Lambda's runtime client installs: the same record,
// serialised by JSON.stringify with a replacer, or the same text line.
const lines: string[] = [];
const originalStringify = JSON.stringify;
const RIC_METHODS = ['log', 'info', 'warn', 'error'] as const;
const saved = Object.fromEntries(RIC_METHODS.map((m) => [m, console[m]]));

function runtimeConsole(json: boolean): void {
  for (const level of RIC_METHODS) {
    console[level] = (message?: unknown, ...params: unknown[]) => {
      if (!json) return void lines.push(`ts\treq\t${level.toUpperCase()}\t${format(message, ...params)}`);
      const record: Record<string, unknown> = { timestamp: 'ts', level: level.toUpperCase(), requestId: 'req' };
      record.message = params.length === 0 ? message : format(message, ...params);
      lines.push(JSON.stringify(record, (_key, value: unknown) => value));
    };
  }
}

const options = { endpoint: 'http://127.0.0.1:9/v1/traces' };
const ids = () => traceLogFields() as { trace_id: string; span_id: string };

beforeEach(() => {
  lines.length = 0;
});
afterEach(() => {
  Object.assign(console, saved);
  vi.unstubAllEnvs();
});

describe('traceLogFields', () => {
  it('is {} outside an invocation, the active span inside, and {} again after', async () => {
    expect(traceLogFields()).toEqual({});
    const seen: Array<Record<string, unknown>> = [];
    const handler = withTracing(async () => {
      seen.push(traceLogFields());
      await trace.getTracer('t').startActiveSpan('child', async (span) => {
        seen.push(traceLogFields());
        seen.push({ child: span.spanContext().spanId });
        span.end();
      });
    }, options);
    await handler({}, lambdaContext());
    const [root, child, childId] = seen;
    expect(root).toEqual({
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(child).toEqual({ trace_id: root!.trace_id, span_id: childId!.child });
    expect(traceLogFields()).toEqual({});
  });

  it('is {} in a span started outside every invocation', () => {
    trace.getTracer('t').startActiveSpan('outside', (span) => {
      expect(traceLogFields()).toEqual({});
      span.end();
    });
  });
});

describe('console lines inside an invocation', () => {
  it('text: the ids open the message, format specifiers still apply, non-string first arguments follow them', async () => {
    runtimeConsole(false);
    let expected = '';
    await withTracing(async () => {
      const { trace_id, span_id } = ids();
      expected = `trace_id=${trace_id} span_id=${span_id}`;
      console.log('%d items for %s', 3, 'ann');
      console.error({ code: 7 });
      console.info();
    }, options)({}, lambdaContext());
    console.log('after');
    expect(lines).toEqual([
      `ts\treq\tLOG\t${expected} 3 items for ann`,
      `ts\treq\tERROR\t${expected} { code: 7 }`,
      `ts\treq\tINFO\t${expected}`,
      'ts\treq\tLOG\tafter',
    ]);
  });

  it('JSON: the ids are fields of the record; JSON.stringify is itself again after each line, and elsewhere untouched', async () => {
    vi.stubEnv('AWS_LAMBDA_LOG_FORMAT', 'json');
    runtimeConsole(true);
    let own = '';
    let expected: Record<string, string> = {};
    await withTracing(async () => {
      expected = ids();
      console.info({ order: 7 });
      console.warn('%s left', 'two');
      expect(JSON.stringify).toBe(originalStringify);
      own = JSON.stringify({ timestamp: 'x', level: 'y', requestId: 'z', message: 'm' });
    }, options)({}, lambdaContext());
    console.info('after');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { timestamp: 'ts', level: 'INFO', requestId: 'req', message: { order: 7 }, ...expected },
      { timestamp: 'ts', level: 'WARN', requestId: 'req', message: 'two left', ...expected },
      { timestamp: 'ts', level: 'INFO', requestId: 'req', message: 'after' },
    ]);
    expect(JSON.parse(own)).not.toHaveProperty('trace_id');
  });

  it('JSON: a console method that throws leaves JSON.stringify restored and the error to the caller', async () => {
    vi.stubEnv('AWS_LAMBDA_LOG_FORMAT', 'JSON');
    console.error = () => {
      throw new Error('sink closed');
    };
    const handler = withTracing(async () => console.error('x'), options);
    await expect(handler({}, lambdaContext())).rejects.toThrow('sink closed');
    expect(JSON.stringify).toBe(originalStringify);
  });

  it('a method replaced after the first invocation is correlated again, and none is prefixed twice', async () => {
    runtimeConsole(false);
    const handler = withTracing(async () => console.log('line'), options);
    await handler({}, lambdaContext());
    runtimeConsole(false);
    await handler({}, lambdaContext());
    await handler({}, lambdaContext());
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^ts\treq\tLOG\ttrace_id=[0-9a-f]{32} span_id=[0-9a-f]{16} line$/);
  });

  it('works the same under the middy middleware', async () => {
    runtimeConsole(false);
    let expected = '';
    const handler = middy(async () => {
      const { trace_id, span_id } = ids();
      expected = `trace_id=${trace_id} span_id=${span_id}`;
      console.log('in middy');
    }).use(tracing(options));
    await handler({}, lambdaContext());
    expect(lines).toEqual([`ts\treq\tLOG\t${expected} in middy`]);
  });

  it('is off with HOPTRACE_LOG_CORRELATION=false or logCorrelation: false', async () => {
    runtimeConsole(false);
    vi.stubEnv('HOPTRACE_LOG_CORRELATION', 'false');
    await withTracing(async () => console.log('env off'), options)({}, lambdaContext());
    vi.unstubAllEnvs();
    await withTracing(async () => console.log('option off'), { ...options, logCorrelation: false })(
      {},
      lambdaContext(),
    );
    expect(lines).toEqual(['ts\treq\tLOG\tenv off', 'ts\treq\tLOG\toption off']);
  });
});
