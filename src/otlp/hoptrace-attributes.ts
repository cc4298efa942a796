// The `hoptrace.*` attributes the pipeline's parts write for each other to read, in one place:
// the exporter stamps its counts on each export, the ingest its receipt time on each record,
// the tail sampler the sampling weight on each span it forwards.

/**
 * Resource attribute of a stream record: when the ingest received the request the record's
 * spans came in, nanoseconds since the epoch (an int). Records written before the ingest
 * stamped it have none; readers take it as unknown.
 */
export const RECEIVED_ATTRIBUTE = 'hoptrace.received_time_unix_nano';

/** Prefix of the exporter's per-export stamps; the ingest reads them and removes them from what it stores. */
export const EXPORT_STAMP_PREFIX = 'hoptrace.export.';

/** Resource attribute of an export: how many spans of this resource the exporter put in this request. */
export const EXPORT_SPANS_ATTRIBUTE = 'hoptrace.export.spans';

/**
 * Resource attributes of an export: the exporter's trouble since the export before it was
 * encoded (spans a failed delivery left in the spool, spans it dropped, times its circuit
 * breaker opened). Absent: none.
 */
export const EXPORT_SPOOLED_ATTRIBUTE = 'hoptrace.export.spans_spooled';
export const EXPORT_DROPPED_ATTRIBUTE = 'hoptrace.export.spans_dropped';
export const EXPORT_BREAKER_OPENS_ATTRIBUTE = 'hoptrace.export.breaker_opens';

/** Span attribute of a span the tail sampler forwards: how many spans it stands for (1 / the probability its trace was kept with). */
export const ADJUSTED_COUNT_ATTRIBUTE = 'hoptrace.sampling.adjusted_count';
