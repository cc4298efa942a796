// Bounds on one OTLP AnyValue that hoptrace adds to the OpenTelemetry SDK's limits (which
// truncate strings and byte arrays but leave nesting unbounded). The library and the ingest
// apply the same ones, so a value the library exports is never cut at the ingest.

/** Arrays and key-value lists nest at most this deep below an attribute's value. */
export const MAX_VALUE_DEPTH = 8;

/** Values (leaves, arrays and lists) one attribute's value may hold in all. */
export const MAX_VALUE_NODES = 10_000;
