import { createContextKey, type Context } from '@opentelemetry/api';

// The key @opentelemetry/core uses (createContextKey is Symbol.for-based), so OpenTelemetry
// instrumentations running beside hoptrace honour our suppression and we honour theirs.
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/** A context in which nothing is traced: hoptrace's own exports, an AWS call's own HTTP request. */
export function suppressTracing(ctx: Context): Context {
  return ctx.setValue(SUPPRESS_TRACING, true);
}

export function isTracingSuppressed(ctx: Context): boolean {
  return ctx.getValue(SUPPRESS_TRACING) === true;
}
