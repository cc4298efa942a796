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
import { headerValue } from './trace-context';

export const XRAY_HEADER = 'x-amzn-trace-id';

const MAX_LENGTH = 1024;

/**
 * Parses `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`.
 * An X-Ray trace id is the W3C trace id with a dash after its first 8 digits.
 */
export function parseXRayHeader(header: string): SpanContext | undefined {
  if (header.length > MAX_LENGTH) return undefined;
  let traceId: string | undefined;
  let spanId: string | undefined;
  let sampled = false;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 'Root') {
      // Written here, not as a module constant: created when first used, not at init.
      const match = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(value);
      if (match) traceId = `${match[1]}${match[2]}`;
    } else if (key === 'Parent') {
      if (/^[0-9a-f]{16}$/.test(value)) spanId = value;
    } else if (key === 'Sampled') {
      sampled = value === '1';
    }
  }
  if (!traceId || !spanId) return undefined;
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

export function formatXRayHeader(spanContext: SpanContext): string {
  const { traceId, spanId, traceFlags } = spanContext;
  const sampled = (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '1' : '0';
  return `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${spanId};Sampled=${sampled}`;
}

/** AWS X-Ray: `X-Amzn-Trace-Id`. Enabled by `OTEL_PROPAGATORS=...,xray`. */
export class XRayPropagator implements TextMapPropagator {
  inject(ctx: Context, carrier: unknown, setter: TextMapSetter): void {
    const spanContext = trace.getSpanContext(ctx);
    if (spanContext && isSpanContextValid(spanContext)) setter.set(carrier, XRAY_HEADER, formatXRayHeader(spanContext));
  }

  extract(ctx: Context, carrier: unknown, getter: TextMapGetter): Context {
    const header = headerValue(getter.get(carrier, XRAY_HEADER));
    const spanContext = header ? parseXRayHeader(header) : undefined;
    return spanContext ? trace.setSpanContext(ctx, spanContext) : ctx;
  }

  fields(): string[] {
    return [XRAY_HEADER];
  }
}
