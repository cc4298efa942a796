import { createContextKey, type Context } from '@opentelemetry/api';
import type { Invocation } from './invocation';

/** Where an invocation's context carries the invocation itself. */
export const INVOCATION_KEY = createContextKey('hoptrace.invocation');

/** The invocation whose handler is running in `ctx`, if any. */
export function activeInvocation(ctx: Context): Invocation | undefined {
  return ctx.getValue(INVOCATION_KEY) as Invocation | undefined;
}
