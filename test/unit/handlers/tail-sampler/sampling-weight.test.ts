import { describe, expect, it } from 'vitest';
import { inSampledFraction } from '../../../../handlers/tail-sampler/policy';
import { piecesOf } from '../../../../handlers/tail-sampler/pieces';
import {
  probabilityOf,
  thresholdOf,
  WEIGHT_BYTES_PER_SPAN,
  weightedPiece,
  weightedTraceState,
  withSamplingWeight,
} from '../../../../handlers/tail-sampler/sampling-weight';
import { HoptraceAttribute } from '../../../../src/otlp/hoptrace-attributes';
import type { OtlpSpan } from '../../../../src/otlp/types';
import { consumeFresh, SyntheticStream } from '../../../helpers/synthetic-stream';

describe("the sampling weight on forwarded spans (OpenTelemetry's th in the ot tracestate member)", () => {
  it('writes the rejection threshold (1 - p) * 2^56 in hex, trailing zeros left out, and reads it back', () => {
    expect([1, 0.5, 0.25, 0.125, 0.1].map(thresholdOf)).toEqual(['0', '8', 'c', 'e', 'e6666666666666']);
    for (const p of [1, 0.5, 0.1, 1 / 3]) expect(probabilityOf(thresholdOf(p))).toBe(p);
    // 56 bits are th's precision.
    expect(Math.abs(probabilityOf(thresholdOf(1e-5))! - 1e-5)).toBeLessThanOrEqual(2 ** -56);
    expect(thresholdOf(1e-30)).toBe('ffffffffffffff');
    expect([probabilityOf('g'), probabilityOf('123456789abcdef')]).toEqual([undefined, undefined]);
  });

  it('sets th in the ot member, moved first, keeping the other members and ot sub-keys in order, and combines an earlier threshold', () => {
    expect(weightedTraceState(undefined, 0.5)).toEqual({ traceState: 'ot=th:8', probability: 0.5 });
    expect(weightedTraceState('vendor=a,ot=rv:abcdef01234567', 0.25).traceState).toBe(
      'ot=th:c;rv:abcdef01234567,vendor=a',
    );
    // Head sampling kept it at 1/2, the tail sampler at 1/2: it stands for four.
    expect(weightedTraceState('ot=th:8', 0.5)).toEqual({ traceState: 'ot=th:c', probability: 0.25 });
    // At most 32 members and 512 characters: the rightmost go.
    const crowded = weightedTraceState(Array.from({ length: 32 }, (_, i) => `v${i}=x`).join(','), 1).traceState;
    expect(crowded.split(',')).toEqual(['ot=th:0', ...Array.from({ length: 31 }, (_, i) => `v${i}=x`)]);
    const long = weightedTraceState(
      Array.from({ length: 8 }, (_, i) => `v${i}=${'x'.repeat(70)}`).join(','),
      1,
    ).traceState;
    expect(long.length).toBeLessThanOrEqual(512);
    expect(long.split(',')).toHaveLength(7);
  });

  it('weighs every span by its own probability and tracestate, however many weights were worked out before', () => {
    const span = (traceState?: string): OtlpSpan =>
      ({
        traceId: 'a'.repeat(32),
        spanId: 'b'.repeat(16),
        name: 'op',
        ...(traceState ? { traceState } : {}),
        attributes: [{ key: HoptraceAttribute.SamplingAdjustedCount, value: { doubleValue: 7 } }],
      }) as OtlpSpan;
    const request = { resourceSpans: [{ scopeSpans: [{ spans: [span(), span('ot=th:8'), span()] }] }] };
    const weigh = (p: number): Array<[string | undefined, unknown]> =>
      withSamplingWeight(request, p).resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => [
        s.traceState,
        s.attributes.map((kv) => kv.value),
      ]);
    const expected = (p: number): Array<[string | undefined, unknown]> => {
      const alone = weightedTraceState(undefined, p);
      const headSampled = weightedTraceState('ot=th:8', p);
      return [
        [alone.traceState, [{ doubleValue: 1 / alone.probability }]],
        [headSampled.traceState, [{ doubleValue: 1 / headSampled.probability }]],
        [alone.traceState, [{ doubleValue: 1 / alone.probability }]],
      ];
    };
    // More probabilities than the weights kept at once: each answer is still its own.
    for (let i = 1; i <= 1500; i++) expect(weigh(i / 1500)).toEqual(expected(i / 1500));
    expect(weigh(0.25)).toEqual(expected(0.25));
    expect(weigh(1 / 1500)).toEqual(expected(1 / 1500));
    // The request's own spans are left as they were.
    expect(request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes).toHaveLength(1);
  });

  it('cuts pieces with room for the weight, so a weighted piece stays within the request bound', () => {
    const stream = new SyntheticStream('weight-pieces');
    const trace = stream.trace(
      Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, service: 'api', name: `op ${i}`, durationMs: 1 })),
    );
    const request = stream.request(trace.spans);
    const bytes = Buffer.byteLength(JSON.stringify(request));
    const bound = bytes + 10;
    expect(piecesOf(trace.traceId, 'r', request, bytes, bound)).toHaveLength(1);
    const pieces = piecesOf(trace.traceId, 'r', request, bytes, bound, WEIGHT_BYTES_PER_SPAN);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      const weighted = weightedPiece(piece, 1e-5);
      expect(Buffer.byteLength(JSON.stringify(weighted.request))).toBeLessThanOrEqual(weighted.jsonBytes);
      expect(weighted.jsonBytes).toBeLessThanOrEqual(bound);
    }
  });

  it('stamps each forwarded span with the probability its trace was kept with: 1 for an error, the sampled fraction for the rest', async () => {
    const stream = new SyntheticStream('weight');
    const ratio = 0.5;
    const routine = stream.trace(
      [{ id: 'r', service: 'api', name: 'GET /', durationMs: 5 }],
      0,
      stream.traceId((id) => inSampledFraction(id, ratio)),
    );
    const failed = stream.trace(
      [{ id: 'e', service: 'api', name: 'GET /', durationMs: 5, error: true }],
      0,
      stream.traceId((id) => !inSampledFraction(id, ratio)),
    );
    const records = [stream.record(routine.spans), stream.record(failed.spans)];
    const { forwarded } = await consumeFresh(records, {
      keepErrors: true,
      latencyThresholdMs: 1000,
      keepColdStarts: true,
      sampleRatio: ratio,
    });
    const weight = (s: OtlpSpan) => [
      s.traceId,
      s.traceState,
      s.attributes.find((kv) => kv.key === HoptraceAttribute.SamplingAdjustedCount)?.value,
    ];
    expect(forwarded.map(weight).sort()).toEqual(
      [
        [routine.traceId, 'ot=th:8', { doubleValue: 2 }],
        [failed.traceId, 'ot=th:0', { doubleValue: 1 }],
      ].sort(),
    );
    // The records' own spans are left as they were: the metrics read them after.
    expect(routine.spans[0]!.span.traceState).toBeUndefined();
  });
});
