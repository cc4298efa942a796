import { context, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { withTracing } from '../../../../src/index';
import { CHOSEN_IDS } from '../../../../src/tracer/chosen-ids';
import { lambdaContext } from '../../../helpers/lambda';
import { useReceiver } from '../../../helpers/test-bed';

const receiver = useReceiver();
const IDS = { traceId: 'a1'.repeat(16), spanId: 'b2'.repeat(8) };

async function record(
  fn: () => void,
): Promise<Map<string, { traceId: string; spanId: string; parentSpanId?: string }>> {
  await withTracing(async () => fn(), { endpoint: receiver().url })({}, lambdaContext());
  return new Map(
    receiver()
      .spans()
      .map((s) => [s.name, s]),
  );
}

describe('a span whose ids are chosen in advance', () => {
  it('takes both ids as a root, and its children get ids of their own', async () => {
    const spans = await record(() => {
      const tracer = trace.getTracer('t');
      const base = trace.deleteSpan(context.active()).setValue(CHOSEN_IDS, IDS);
      tracer.startActiveSpan('chosen', {}, base, (span) => {
        tracer.startSpan('child').end();
        span.end();
      });
    });
    expect(spans.get('chosen')).toMatchObject(IDS);
    expect(spans.get('chosen')!.parentSpanId).toBeUndefined();
    expect(spans.get('child')).toMatchObject({ traceId: IDS.traceId, parentSpanId: IDS.spanId });
    expect(spans.get('child')!.spanId).not.toBe(IDS.spanId);
  });

  it("keeps a parent's trace id, and ignores ids that are not valid", async () => {
    const spans = await record(() => {
      const tracer = trace.getTracer('t');
      tracer.startSpan('under parent', {}, context.active().setValue(CHOSEN_IDS, IDS)).end();
      tracer
        .startSpan(
          'zero ids',
          {},
          context.active().setValue(CHOSEN_IDS, { traceId: '0'.repeat(32), spanId: '0'.repeat(16) }),
        )
        .end();
      tracer.startSpan('short ids', {}, context.active().setValue(CHOSEN_IDS, { traceId: 'ab', spanId: 'cd' })).end();
    });
    const root = [...spans.values()].find((s) => !s.parentSpanId)!;
    expect(spans.get('under parent')).toMatchObject({
      traceId: root.traceId,
      spanId: IDS.spanId,
      parentSpanId: root.spanId,
    });
    for (const name of ['zero ids', 'short ids']) {
      expect(spans.get(name)!.traceId).toBe(root.traceId);
      expect(spans.get(name)!.spanId).toMatch(/^(?!0{16})[0-9a-f]{16}$/);
      expect(spans.get(name)!.spanId).not.toBe(IDS.spanId);
    }
  });
});
