import { context } from '@opentelemetry/api';
import { nowMs } from '../tracer/time';
import { activeInvocation } from './active-invocation';
import { latestPipeline } from '../bootstrap/pipeline';

/**
 * Sends every finished span now. Inside an invocation, that invocation's spans (the wrapper
 * already does this before returning); outside, spans recorded outside any invocation.
 * Never rejects.
 *
 * @example
 * ```typescript
 * import { trace } from '@opentelemetry/api';
 * import { flush } from 'hoptrace';
 *
 * // Work at init, outside any invocation: its span leaves now rather than with the first invocation's.
 * await trace.getTracer('init').startActiveSpan('load config', async (span) => {
 *   await loadConfig();
 *   span.end();
 * });
 * await flush();
 * ```
 */
export async function flush(): Promise<void> {
  const invocation = activeInvocation(context.active());
  if (invocation) return invocation.flush();
  const pipeline = latestPipeline();
  if (!pipeline) return;
  const spans = pipeline.registration.provider.sandboxRecorder.drain();
  await pipeline.exporter.export(spans, nowMs() + pipeline.config.flushTimeoutMs);
}
