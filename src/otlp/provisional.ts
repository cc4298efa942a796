/**
 * Marks a span exported before it ended: the timeout guard's copy of a span still open when
 * Lambda may cut the invocation off. If the span really ends, it is exported again under the
 * same (traceId, spanId) without the mark; a reader that de-duplicates keeps that one.
 */
export const PROVISIONAL_ATTRIBUTE = 'hoptrace.provisional';
