import { createContextKey, type Context } from '@opentelemetry/api';

/**
 * A span whose ids are fixed in advance: one that other spans name as their parent before it
 * is recorded, in another invocation or another sandbox (the root of a durable execution is
 * recorded when the execution ends, and is the parent of every invocation before). The key is
 * a global symbol (`Symbol.for`), so `hoptrace/durable`, bundled apart, sets the same one. It
 * holds for the span started in the context that carries it only: the tracer drops it from
 * the context it gives that span's children. A parent in the context keeps its own trace id.
 */
export const CHOSEN_IDS = createContextKey('hoptrace.chosen_ids');

export interface ChosenIds {
  traceId: string;
  spanId: string;
}

/** The ids the context fixes, when both are valid. */
export function chosenIds(ctx: Context): ChosenIds | undefined {
  const ids = ctx.getValue(CHOSEN_IDS) as Partial<ChosenIds> | undefined;
  // Written here, not as a module constant: created when first used, not at init.
  return ids &&
    typeof ids.traceId === 'string' &&
    /^(?!0{32})[0-9a-f]{32}$/.test(ids.traceId) &&
    typeof ids.spanId === 'string' &&
    /^(?!0{16})[0-9a-f]{16}$/.test(ids.spanId)
    ? { traceId: ids.traceId, spanId: ids.spanId }
    : undefined;
}
