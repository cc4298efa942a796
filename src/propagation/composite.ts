import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';

/** Runs several propagators in order; one that throws is skipped, never fatal. */
export class CompositePropagator implements TextMapPropagator {
  constructor(private readonly propagators: TextMapPropagator[]) {}

  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    for (const p of this.propagators) {
      try {
        p.inject(ctx, carrier, setter);
      } catch {
        // A broken carrier must not break the caller's request.
      }
    }
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    let result = ctx;
    for (const p of this.propagators) {
      try {
        result = p.extract(result, carrier, getter);
      } catch {
        // Garbage in a carrier means no context from it, never an error.
      }
    }
    return result;
  }

  fields(): string[] {
    return [...new Set(this.propagators.flatMap((p) => p.fields()))];
  }
}
