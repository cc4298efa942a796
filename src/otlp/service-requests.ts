import { OtlpSpanKind } from './types';

/** What the rule reads of a span. */
export interface RequestSpan {
  spanId: string;
  parentSpanId?: string | undefined;
  /** OTLP span kind number. */
  kind: number;
}

/**
 * The request a span stands for, as hoptrace counts the requests a service served (the tail
 * sampler's RED metrics and the command's service map alike), or undefined when the span is
 * work inside a request:
 * - a root is a request of its own;
 * - a span under a parent in its own service is work inside that request;
 * - a span entering from another service is one request per calling span and service: a
 *   consumer's invocation and the per-record span of `traceRecord` both hang under the
 *   producer, and are one delivery, not two;
 * - when the parent was not read (`parentService` undefined), only server and consumer spans
 *   enter a service.
 */
export function requestKey(span: RequestSpan, service: string, parentService: string | undefined): string | undefined {
  if (!span.parentSpanId) return span.spanId;
  if (parentService === service) return undefined;
  if (parentService === undefined && span.kind !== OtlpSpanKind.Server && span.kind !== OtlpSpanKind.Consumer)
    return undefined;
  return `${span.parentSpanId}\u0000${service}`;
}

/** One entry per request: the span of each request that started first (the invocation, before its records). */
export class ServiceRequests<T> {
  private readonly entries = new Map<string, { item: T; start: number }>();

  offer(key: string, item: T, start: number): void {
    const known = this.entries.get(key);
    if (!known || start < known.start) this.entries.set(key, { item, start });
  }

  /** Forget every request: one instance serves trace after trace. */
  clear(): void {
    this.entries.clear();
  }

  values(): T[] {
    return [...this.entries.values()].map((e) => e.item);
  }
}
