import { context, propagation, trace } from '@opentelemetry/api';
import type { TracingConfig } from '../config/options';
import { installInstrumentations } from '../instrumentation/install';
import { logger } from '../logger';
import { propagatorFromConfig } from '../propagation/from-config';
import { AsyncLocalStorageContextManager } from '../tracer/context-manager';
import { HoptraceTracerProvider } from '../tracer/provider';
import type { RecorderSettings } from '../tracer/recorder';

export interface Registration {
  readonly provider: HoptraceTracerProvider;
  /** Ours when it is the global one; undefined when another SDK registered first. */
  readonly contextManager: AsyncLocalStorageContextManager | undefined;
}

let registration: Registration | undefined;

/**
 * Registers hoptrace's TracerProvider, context manager and propagator with
 * `@opentelemetry/api` and installs the outgoing HTTP instrumentation, once per process;
 * the first wrapper's config sets process-wide choices (propagators, instrumentations,
 * the sandbox recorder).
 */
export function register(config: TracingConfig, settings: RecorderSettings): Registration {
  if (registration) return registration;
  const provider = new HoptraceTracerProvider(settings);
  const manager = new AsyncLocalStorageContextManager();
  const tracesOk = trace.setGlobalTracerProvider(provider);
  const contextOk = context.setGlobalContextManager(manager);
  const propagationOk = propagation.setGlobalPropagator(
    propagatorFromConfig(config.propagators, config.acceptInboundBaggage),
  );
  if (!tracesOk || !contextOk || !propagationOk) {
    logger.warnOnce(
      'registration',
      'another OpenTelemetry SDK is already registered; spans made with the global API may not reach hoptrace.',
    );
  }
  installInstrumentations(config.disabledInstrumentations);
  registration = { provider, contextManager: contextOk ? manager : undefined };
  return registration;
}
