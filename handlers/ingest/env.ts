// The ingest's variables. A bad value refuses start (`readOrRefuse`); rendered by `npm run render:env`.
import { required, variable } from '../../src/config/env';
import { oneOf, positive, text } from '../../src/config/parsers';
import { DEFAULT_REQUEST_LIMITS } from './request-limits';

export { kinesisEndpoint, metricsNamespace, region, ssmEndpoint } from '../env';
export { redactKeys } from '../../src/config/library-env';

/** The stream written to. */
export const streamName = required('HOPTRACE_STREAM_NAME', text);

/**
 * The SSM `SecureString` holding `{"tenant": ["key", ...]}`.
 * @default required, unless auth is off
 */
export const keysParameter = variable(['HOPTRACE_INGEST_KEYS_PARAMETER'], text, undefined);

/** `none` turns auth off (tenant `anonymous`): only for the local pipeline. */
export const auth = variable(['HOPTRACE_INGEST_AUTH'], oneOf(['on', 'none']), 'on');

/**
 * The longest the ingest waits (cold start, keys, stream), from API Gateway's receipt, before it answers, in ms;
 * decoding is not counted.
 */
export const answerWithinMs = variable(['HOPTRACE_INGEST_ANSWER_MS'], positive('ms'), 350);

/**
 * The least time the stream write gets once the request is decoded, in ms, capped by the deadline less
 * `HOPTRACE_DEADLINE_MARGIN_MS`.
 */
export const streamWindowMs = variable(['HOPTRACE_INGEST_STREAM_MS'], positive('ms'), 250);

/** Shortest time between reads of the keys prompted by a key not among them (a key just added), in ms. */
export const keysRecheckMs = variable(['HOPTRACE_INGEST_KEYS_RECHECK_MS'], positive('ms'), 30_000);

/** Age after which the keys are read again on the next request (revoked keys stop working), in ms. */
export const keysRefreshMs = variable(['HOPTRACE_INGEST_KEYS_REFRESH_MS'], positive('ms'), 300_000);

/** Traces (stream records) one request may become, counted before any span is validated. */
export const maxRecordsPerRequest = variable(
  ['HOPTRACE_MAX_RECORDS_PER_REQUEST'],
  positive(),
  DEFAULT_REQUEST_LIMITS.maxTraces,
);

/** Spans one request may hold, counted before any is validated. */
export const maxSpansPerRequest = variable(
  ['HOPTRACE_MAX_SPANS_PER_REQUEST'],
  positive(),
  DEFAULT_REQUEST_LIMITS.maxSpans,
);

/**
 * Messages one request may hold (resource spans, scope spans, spans, key-values, values, events, links,
 * statuses), counted before they are built.
 */
export const maxItemsPerRequest = variable(
  ['HOPTRACE_MAX_ITEMS_PER_REQUEST'],
  positive(),
  DEFAULT_REQUEST_LIMITS.maxItems,
);

/** Largest body accepted, in bytes, after base64 decoding and after inflating gzip. */
export const maxBodyBytes = variable(['HOPTRACE_MAX_BODY_BYTES'], positive('bytes'), 5 * 1024 * 1024);

/** Attributes kept per span, event or link. */
export const maxAttributesPerSpan = variable(['HOPTRACE_MAX_ATTRIBUTES'], positive(), 128);

/** Characters kept per attribute value. */
export const maxAttributeValueLength = variable(['HOPTRACE_MAX_ATTRIBUTE_LENGTH'], positive(), 8192);

/** Time kept back from the Lambda deadline to answer, in ms. */
export const deadlineMarginMs = variable(['HOPTRACE_DEADLINE_MARGIN_MS'], positive('ms'), 500);
