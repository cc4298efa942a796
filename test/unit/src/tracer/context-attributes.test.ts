import { context, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { withTracing } from '../../../../src/index';
import { CONTEXT_ATTRIBUTES } from '../../../../src/tracer/context-attributes';
import { attr, type OtlpSpan } from '../../../../testing/otlp-receiver';
import { lambdaContext } from '../../../helpers/lambda';
import { useReceiver } from '../../../helpers/test-bed';

const receiver = useReceiver();

async function record(fn: () => Promise<void> | void): Promise<Map<string, OtlpSpan>> {
  await withTracing(async () => fn(), { endpoint: receiver().url })({}, lambdaContext());
  return new Map(
    receiver()
      .spans()
      .map((s) => [s.name, s]),
  );
}

describe('attributes the context gives every span started in it', () => {
  it('are on each span started in the context, and its descendants, under their own attributes', async () => {
    const spans = await record(async () => {
      const tracer = trace.getTracer('t');
      const scoped = context.active().setValue(CONTEXT_ATTRIBUTES, { scope: 'wide', shared: 'context' });
      await context.with(scoped, async () => {
        tracer.startSpan('plain').end();
        tracer.startSpan('own', { attributes: { shared: 'span', extra: 1 } }).end();
        await tracer.startActiveSpan('parent', async (span) => {
          await Promise.resolve();
          tracer.startSpan('child').end();
          span.end();
        });
      });
      tracer.startSpan('outside').end();
    });
    for (const name of ['plain', 'parent', 'child']) {
      expect(attr(spans.get(name)!, 'scope')).toBe('wide');
      expect(attr(spans.get(name)!, 'shared')).toBe('context');
    }
    expect(attr(spans.get('own')!, 'scope')).toBe('wide');
    expect(attr(spans.get('own')!, 'shared')).toBe('span');
    expect(attr(spans.get('own')!, 'extra')).toBe(1);
    expect(attr(spans.get('outside')!, 'scope')).toBeUndefined();
    const invocation = [...spans.values()].find((s) => !s.parentSpanId)!;
    expect(attr(invocation, 'scope')).toBeUndefined();
  });
});
