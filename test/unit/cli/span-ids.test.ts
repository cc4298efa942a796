import { describe, expect, it } from 'vitest';
import { SpanStore } from '../../../cli/src/read/span-store';
import type { OtlpExportRequest } from '../../../src/otlp/types';

const T = 'ab'.repeat(16);
const requestOf = (spans: Array<{ traceId: string; spanId: string; parentSpanId?: string }>): OtlpExportRequest =>
  ({
    resourceSpans: [
      {
        resource: { attributes: [] },
        scopeSpans: [
          { spans: spans.map((s) => ({ ...s, name: 'x', startTimeUnixNano: '1000', endTimeUnixNano: '2000' })) },
        ],
      },
    ],
  }) as unknown as OtlpExportRequest;

describe('the span store: trace and span ids', () => {
  it('keeps hex ids in either case, lowercased, and refuses the rest', () => {
    const store = new SpanStore();
    store.add(
      requestOf([
        { traceId: T.toUpperCase(), spanId: '00000000000000aF', parentSpanId: 'C0FFEE00C0FFEE00' },
        { traceId: T, spanId: '0123456789abcdef', parentSpanId: '0000000000000000' },
        { traceId: T, spanId: '0123456789abcdeg' },
        { traceId: T, spanId: '0123456789abcde' },
        { traceId: T, spanId: '0123456789abcdef0' },
        { traceId: `${T.slice(1)}g`, spanId: '1111111111111111' },
        { traceId: '0'.repeat(32), spanId: '2222222222222222' },
        { traceId: T, spanId: '0'.repeat(16) },
      ]),
    );
    const spans = store.traces.get(T);
    expect([...(spans?.keys() ?? [])]).toEqual(['00000000000000af', '0123456789abcdef']);
    expect(spans?.get('00000000000000af')?.parentSpanId).toBe('c0ffee00c0ffee00');
    // An all-zero parent is no parent.
    expect(spans?.get('0123456789abcdef')?.parentSpanId).toBeUndefined();
    expect(store.traces.size).toBe(1);
    expect(store.counts).toMatchObject({ spans: 2, skippedSpans: 6 });
  });
});
