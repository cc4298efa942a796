import { trace } from '@opentelemetry/api';

// Where the handler's short-lived objects go, so that the engine cannot skip making them.
// biome-ignore lint/correctness/noUnusedVariables: written, never read, on purpose.
let lastItem: unknown;

/**
 * The handler logic every variant shares, so only the tracing differs: `spans` child spans
 * through the standard API (no-ops in the bare variant), `garbage` short-lived objects of the
 * handler's own (~250 bytes each), then a small JSON response.
 */
export async function work(event: {
  id?: string;
  spans?: number;
  garbage?: number;
}): Promise<{ statusCode: number; body: string }> {
  for (let i = 0; i < (event.garbage ?? 0); i++) lastItem = { id: `item-${i}`, values: [i, i + 1], meta: { n: i } };
  const tracer = trace.getTracer('bench');
  const count = event.spans ?? 3;
  for (let i = 0; i < count; i++) {
    tracer.startActiveSpan(`step ${i}`, (span) => {
      span.setAttribute('bench.step', i);
      span.setAttribute('bench.id', event.id ?? 'x');
      span.end();
    });
  }
  const items = Array.from({ length: 10 }, (_, i) => ({ id: `${event.id ?? 'x'}-${i}` }));
  // The probe reads this to tell the handler's own time from what the tracing adds after it.
  (globalThis as { __benchHandlerEnd?: bigint }).__benchHandlerEnd = process.hrtime.bigint();
  return { statusCode: 200, body: JSON.stringify(items) };
}
