// `OTEL_LOG_LEVEL`, apart from the library's other variables: the `hoptrace/lambda` preload
// reads it alone, and must not load what those need (the redaction lists).
import { LOG_LEVELS } from '../logger';
import { variable } from './env';
import { oneOf } from './parsers';

/** Threshold of hoptrace's own log lines. */
export const logLevel = /* @__PURE__ */ variable(['OTEL_LOG_LEVEL'], /* @__PURE__ */ oneOf(LOG_LEVELS), 'warn');
