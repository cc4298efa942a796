import type { TextMapPropagator } from '@opentelemetry/api';
import { logger } from '../logger';
import { W3CBaggagePropagator } from './baggage';
import { CompositePropagator } from './composite';
import { W3CTraceContextPropagator } from './trace-context';
import { XRayPropagator } from './xray';

const FACTORIES: Record<string, (acceptInboundBaggage: boolean) => TextMapPropagator> = {
  tracecontext: () => new W3CTraceContextPropagator(),
  baggage: (acceptInboundBaggage) => new W3CBaggagePropagator(acceptInboundBaggage),
  xray: () => new XRayPropagator(),
};

/**
 * The propagator `OTEL_PROPAGATORS` names; unknown names are skipped with a warning. X-Ray
 * runs first whatever the order: a composite's later extract wins, and a carrier with both
 * headers continues its W3C context. Without `acceptInboundBaggage`, baggage is injected
 * but never extracted.
 */
export function propagatorFromConfig(names: string[], acceptInboundBaggage = true): TextMapPropagator {
  const propagators: TextMapPropagator[] = [];
  const ordered = names.includes('xray') ? ['xray', ...names.filter((n) => n !== 'xray')] : names;
  for (const name of ordered) {
    if (name === 'none') return new CompositePropagator([]);
    const factory = FACTORIES[name];
    if (factory) propagators.push(factory(acceptInboundBaggage));
    else logger.warnOnce(`propagator:${name}`, `propagator "${name}" in OTEL_PROPAGATORS is not supported; skipped.`);
  }
  return new CompositePropagator(propagators);
}
