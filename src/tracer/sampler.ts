import { TraceFlags, type SpanContext } from '@opentelemetry/api';

export const SAMPLER_NAMES = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
/**
 * OpenTelemetry's sampler names (`OTEL_TRACES_SAMPLER`). The `parentbased_*` ones follow the
 * caller's decision when there is one; `traceidratio` keeps `samplerRatio` of the traces,
 * deciding on the trace id, so that every hop of a trace decides alike.
 *
 * @example
 * ```typescript
 * import { withTracing, type SamplerName } from 'hoptrace';
 *
 * const sampler: SamplerName = 'parentbased_traceidratio';
 * export const handler = withTracing(handle, { sampler, samplerRatio: 0.25 });
 * ```
 */
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** Decides at span start whether a span is recorded and exported. */
export type Sampler = (traceId: string, parent: SpanContext | undefined) => boolean;

const RANDOM_BITS = 2 ** 52;

/** Deterministic on the trace id, so every hop of a trace takes the same decision. */
function traceIdRatio(ratio: number): Sampler {
  const bound = Math.max(0, Math.min(1, ratio)) * RANDOM_BITS;
  // The rightmost 52 bits of a W3C trace id are random (level 2); they fit a double exactly.
  return (traceId) => parseInt(traceId.slice(-13), 16) < bound;
}

export function createSampler(name: SamplerName, ratio: number): Sampler {
  const always = (): boolean => true;
  const never = (): boolean => false;
  switch (name) {
    case 'always_on':
      return always;
    case 'always_off':
      return never;
    case 'traceidratio':
      return traceIdRatio(ratio);
    default: {
      const root =
        name === 'parentbased_always_off' ? never : name === 'parentbased_traceidratio' ? traceIdRatio(ratio) : always;
      return (traceId, parent) =>
        parent ? (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED : root(traceId, parent);
    }
  }
}
