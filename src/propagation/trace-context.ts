import {
  isSpanContextValid,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceState } from './trace-state';

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

const VERSION_00_LENGTH = 55;
// Future versions may append fields; anything this long is not a trace context but an attack.
const MAX_TRACEPARENT_LENGTH = 512;

/**
 * Parses a W3C `traceparent` strictly: lowercase hex only, no all-zero ids, version `ff`
 * refused, version 00 of exact length. Returns undefined for anything else.
 */
export function parseTraceParent(header: string): SpanContext | undefined {
  const value = header.trim();
  if (value.length < VERSION_00_LENGTH || value.length > MAX_TRACEPARENT_LENGTH) return undefined;
  // Written here, not as a module constant: created when first used, not at init.
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(value);
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (version === 'ff') return undefined;
  if (version === '00' && rest !== undefined) return undefined;
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

export function formatTraceParent(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00';
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** A header that arrived several times is one comma-separated list (RFC 9110). */
export function headerValue(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length > 0 ? value.join(',') : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** W3C Trace Context: `traceparent` and `tracestate`. */
export class W3CTraceContextPropagator implements TextMapPropagator {
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(ctx);
    if (!spanContext || !isSpanContextValid(spanContext)) return;
    setter.set(carrier, TRACEPARENT, formatTraceParent(spanContext));
    const state = spanContext.traceState?.serialize();
    if (state) setter.set(carrier, TRACESTATE, state);
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    // A traceparent sent twice is ambiguous: W3C says to treat it as absent.
    const raw = getter.get(carrier, TRACEPARENT);
    const header = Array.isArray(raw) ? (raw.length === 1 ? raw[0] : undefined) : raw;
    if (typeof header !== 'string') return ctx;
    const spanContext = parseTraceParent(header);
    if (!spanContext) return ctx;
    const state = headerValue(getter.get(carrier, TRACESTATE));
    if (state) {
      const traceState = W3CTraceState.parse(state);
      if (traceState.serialize() !== '') spanContext.traceState = traceState;
    }
    return trace.setSpanContext(ctx, spanContext);
  }

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE];
  }
}
