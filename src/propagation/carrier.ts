/** A trace context carried by a message, as the header names the propagators read. */
export type Carrier = Record<string, string>;

/** The W3C fields a message carries, in order of importance: with room for one, the trace still connects. */
export const CONTEXT_FIELDS = ['traceparent', 'tracestate', 'baggage'] as const;
