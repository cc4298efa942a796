import type { TextMapPropagator } from '@opentelemetry/api';
import { logger } from '../logger';
import { W3CBaggagePropagator } from './baggage';
import { CompositePropagator } from './composite';
import { W3CTraceContextPropagator } from './trace-context';
import { XRayPropagator } from './xray';

const FACTORIES: Record<string, () => TextMapPropagator> = {
  tracecontext: () => new W3CTraceContextPropagator(),
  baggage: () => new W3CBaggagePropagator(),
  xray: () => new XRayPropagator(),
};

/** The propagator `OTEL_PROPAGATORS` names; unknown names are skipped with a warning. */
export function propagatorFromConfig(names: string[]): TextMapPropagator {
  const propagators: TextMapPropagator[] = [];
  for (const name of names) {
    if (name === 'none') return new CompositePropagator([]);
    const factory = FACTORIES[name];
    if (factory) propagators.push(factory());
    else logger.warnOnce(`propagator:${name}`, `propagator "${name}" in OTEL_PROPAGATORS is not supported; skipped.`);
  }
  return new CompositePropagator(propagators);
}
