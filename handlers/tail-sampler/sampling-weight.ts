import { HoptraceAttribute } from '../../src/otlp/hoptrace-attributes';
import type { OtlpExportRequest, OtlpKeyValue, OtlpSpan } from '../../src/otlp/types';
import { spansOf } from './parts';
import type { Piece } from './pieces';

// Each forwarded span says how many spans it stands for, so a backend can scale counts back:
// OpenTelemetry's `th` sub-key of the `ot` tracestate member (TraceState: Probability Sampling,
// https://opentelemetry.io/docs/specs/otel/trace/tracestate-probability-sampling/): the
// rejection threshold (1 - p) * 2^56 as 14 hex digits, trailing zeros left out, `th:0` for
// everything kept; and, for backends and archives that read attributes, the adjusted count 1 / p.

/** Most bytes the weight adds to one span's OTLP JSON: pieces are cut with room for it. */
export const WEIGHT_BYTES_PER_SPAN = 160;

const TWO_56 = 2n ** 56n;
// W3C Trace Context: at most 512 characters, 32 members.
const MAX_TRACESTATE = 512;
const MAX_MEMBERS = 32;

/** `th` for a probability in (0, 1]. */
export function thresholdOf(probability: number): string {
  // p * 2^56 is exact in floating point (a power of two): the threshold is exact for the p given.
  const kept = BigInt(Math.min(2 ** 56, Math.max(1, Math.round(probability * 2 ** 56))));
  const t = TWO_56 - kept;
  return t === 0n ? '0' : t.toString(16).padStart(14, '0').replace(/0+$/, '');
}

/** The probability a `th` value stands for; undefined when it is not one. */
export function probabilityOf(threshold: string): number | undefined {
  if (!/^[0-9a-f]{1,14}$/.test(threshold)) return undefined;
  return Number(TWO_56 - BigInt(`0x${threshold.padEnd(14, '0')}`)) / 2 ** 56;
}

/**
 * The tracestate with `th` set in the `ot` member, which moves first (other `ot` sub-keys and
 * other members kept, in order), and the probability it says. A threshold an earlier sampler
 * set (head sampling) is combined: the span was kept by both, so its probability is the product.
 */
export function weightedTraceState(
  traceState: string | undefined,
  probability: number,
): { traceState: string; probability: number } {
  const members = (traceState ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  const ot = members.find((m) => m.startsWith('ot='));
  const keys = ot
    ? ot
        .slice(3)
        .split(';')
        .filter((k) => k !== '')
    : [];
  const before = keys.find((k) => k.startsWith('th:'));
  const earlier = before === undefined ? undefined : probabilityOf(before.slice(3));
  const th = thresholdOf(probability * (earlier ?? 1));
  const out = [
    `ot=${[`th:${th}`, ...keys.filter((k) => !k.startsWith('th:'))].join(';')}`,
    ...members.filter((m) => m !== ot),
  ].slice(0, MAX_MEMBERS);
  // Over the limit, members go from the right, as W3C Trace Context allows.
  while (out.length > 1 && out.join(',').length > MAX_TRACESTATE) out.pop();
  return { traceState: out.join(','), probability: probabilityOf(th)! };
}

/** A weight as written on a span: one attribute object shared by every span it weighs (forwarded spans are only serialized). */
interface Weight {
  traceState: string;
  adjustedCount: OtlpKeyValue;
}

type Weigh = (traceState: string | undefined) => Weight;

function weighted(span: OtlpSpan, weigh: Weigh): OtlpSpan {
  const weight = weigh(span.traceState);
  // Every forwarded span is copied here: ~7% of the consumer's CPU in bench/tail-sampler.ts.
  const attributes: OtlpKeyValue[] = [];
  if (Array.isArray(span.attributes))
    for (const kv of span.attributes) if (kv.key !== HoptraceAttribute.SamplingAdjustedCount) attributes.push(kv);
  attributes.push(weight.adjustedCount);
  return { ...span, traceState: weight.traceState, attributes };
}

// Weights worked out before, by probability and tracestate: most requests share a few of each,
// and working one out (BigInt threshold, parsing the tracestate) costs more than copying the span.
// Cleared when full, so that odd tracestates cannot grow it.
const MAX_WEIGHTS = 1000;
const weights = new Map<number, Map<string | undefined, Weight>>();
let weightCount = 0;

function weightOf(traceState: string | undefined, probability: number): Weight {
  const known = weights.get(probability)?.get(traceState);
  if (known !== undefined) return known;
  if (weightCount >= MAX_WEIGHTS) {
    weights.clear();
    weightCount = 0;
  }
  let byState = weights.get(probability);
  if (byState === undefined) weights.set(probability, (byState = new Map()));
  const w = weightedTraceState(traceState, probability);
  const weight = {
    traceState: w.traceState,
    adjustedCount: { key: HoptraceAttribute.SamplingAdjustedCount, value: { doubleValue: 1 / w.probability } },
  };
  byState.set(traceState, weight);
  weightCount++;
  return weight;
}

/** The request with every span weighted by the probability its trace was kept with; the spans are copies. */
export function withSamplingWeight(request: OtlpExportRequest, probability: number): OtlpExportRequest {
  const weigh: Weigh = (traceState) => weightOf(traceState, probability);
  return {
    resourceSpans: request.resourceSpans.map((rs) => ({
      ...rs,
      scopeSpans: rs.scopeSpans.map((ss) => ({ ...ss, spans: ss.spans.map((s) => weighted(s, weigh)) })),
    })),
  };
}

/** A piece as it is forwarded: weighted, its size bound grown by the room `piecesOf` left for the weight. */
export function weightedPiece(piece: Piece, probability: number): Piece {
  return {
    ...piece,
    request: withSamplingWeight(piece.request, probability),
    jsonBytes: piece.jsonBytes + spansOf(piece.request).length * WEIGHT_BYTES_PER_SPAN,
  };
}
