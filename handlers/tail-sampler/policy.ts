import { attributeMap } from '../../src/otlp/values';
import { OtlpStatusCode, type OtlpSpan } from '../../src/otlp/types';
import type { Policies } from './config';

/**
 * Why a trace is kept: an interest policy met by its spans; the fixed ratio (`ratio`, decided
 * by trace id alone); or adaptive sampling, by its root's operation (`rare`, `boost`, `p99`,
 * or `target`: inside the operation's probability).
 */
export type KeepReason = 'error' | 'latency' | 'cold-start' | 'ratio' | 'rare' | 'boost' | 'p99' | 'target';

/**
 * A kept trace: why, and the probability it was kept with (1 unless sampled), so that a
 * backend can count it as 1 / probability traces.
 */
export interface Decision {
  reason: KeepReason;
  probability: number;
}

/** Span duration in ms from OTLP's decimal nanosecond strings (sub-µs precision is not needed). */
export function durationMs(span: OtlpSpan): number {
  return (Number(span.endTimeUnixNano) - Number(span.startTimeUnixNano)) / 1e6;
}

/** The first interest policy these spans meet, if any. */
export function interest(spans: readonly OtlpSpan[], policies: Policies): KeepReason | undefined {
  for (const span of spans) {
    if (policies.keepErrors && span.status?.code === OtlpStatusCode.Error) return 'error';
    if (policies.latencyThresholdMs !== undefined && durationMs(span) > policies.latencyThresholdMs) return 'latency';
    if (policies.keepColdStarts && attributeMap(span.attributes)['faas.coldstart'] === true) return 'cold-start';
  }
  return undefined;
}

const LOW_BITS = 2 ** 52;

/**
 * Whether a routine trace is in the kept fraction. A function of the trace id alone, so every
 * part gets the same answer wherever and whenever it is decided: the low 52 bits of the id
 * (random in W3C trace ids) compared with the ratio, as OpenTelemetry's TraceIdRatioBased
 * sampler compares its low bits.
 */
export function inSampledFraction(traceId: string, ratio: number): boolean {
  if (!/^[0-9a-f]{32}$/.test(traceId)) return false;
  return parseInt(traceId.slice(19), 16) < ratio * LOW_BITS;
}
