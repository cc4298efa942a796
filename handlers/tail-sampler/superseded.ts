import { isObject } from '../../src/guards';
import { HoptraceAttribute } from '../../src/otlp/hoptrace-attributes';
import type { OtlpExportRequest, OtlpSpan } from '../../src/otlp/types';
import { spansOf } from './parts';

/** The timeout guard's copy of a span still open (`hoptrace.provisional: true`). */
export function isProvisional(span: OtlpSpan): boolean {
  // Attributes come from the stream unchecked: anything but a list of key-values is no mark.
  return (
    Array.isArray(span.attributes) &&
    span.attributes.some(
      (kv) =>
        isObject(kv) && kv.key === HoptraceAttribute.Provisional && isObject(kv.value) && kv.value.boolValue === true,
    )
  );
}

const spanKey = (span: OtlpSpan): string => `${span.traceId}/${span.spanId}`;

/**
 * Which of these spans a reader drops: a provisional copy whose real copy (same traceId and
 * spanId, no mark) is among them. The real one tells how the span ended; a provisional copy
 * alone (the invocation did time out) is kept.
 */
export function supersededAmong(spans: readonly OtlpSpan[]): (span: OtlpSpan) => boolean {
  // The usual case, no timeout guard copy: nothing to index.
  if (!spans.some(isProvisional)) return () => false;
  const real = new Set(spans.filter((s) => !isProvisional(s)).map(spanKey));
  return (span) => isProvisional(span) && real.has(spanKey(span));
}

/** The spans as a reader keeps them: without the superseded provisional copies. */
export function withoutSuperseded(spans: readonly OtlpSpan[]): OtlpSpan[] {
  const superseded = supersededAmong(spans);
  return spans.filter((s) => !superseded(s));
}

/**
 * The requests without the provisional copies that a real copy in any of `among` supersedes;
 * scopes and resources left without spans go too. Requests with nothing to drop are returned as they are.
 */
export function dropSuperseded(
  requests: readonly OtlpExportRequest[],
  among: readonly OtlpExportRequest[] = requests,
): OtlpExportRequest[] {
  const superseded = supersededAmong(among.flatMap(spansOf));
  return requests.map((request) => {
    if (!spansOf(request).some(superseded)) return request;
    const resourceSpans = request.resourceSpans
      .map((rs) => ({
        ...rs,
        scopeSpans: rs.scopeSpans
          .map((ss) => ({ ...ss, spans: ss.spans.filter((s) => !superseded(s)) }))
          .filter((ss) => ss.spans.length > 0),
      }))
      .filter((rs) => rs.scopeSpans.length > 0);
    return { ...request, resourceSpans };
  });
}
