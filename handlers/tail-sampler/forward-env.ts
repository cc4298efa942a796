// The forwarder's variables (the tail sampler's sending half). A bad value refuses start;
// rendered by `npm run render:env`.
import { required, secret, variable } from '../../src/config/env';
import { httpUrl, keyValues, oneOf, positive, text } from '../../src/config/parsers';

export { region, ssmEndpoint } from '../env';

/** The backend's OTLP/HTTP traces URL, e.g. `http://jaeger:4318/v1/traces`. */
export const endpoint = required('HOPTRACE_FORWARD_ENDPOINT', httpUrl);

/**
 * The SSM `SecureString` of `k=v,k2=v2` headers sent with each request (API keys), which win over
 * `HOPTRACE_FORWARD_HEADERS`; deployed: `/hoptrace/<stage>/forward-headers`.
 */
export const headersParameter = variable(['HOPTRACE_FORWARD_HEADERS_PARAMETER'], text, undefined);

/** Headers sent with each request, for local use; not set by the template. */
export const headers = secret(variable(['HOPTRACE_FORWARD_HEADERS'], keyValues, {}));

/** Whether request bodies are gzipped. */
export const compression = variable(['HOPTRACE_FORWARD_COMPRESSION'], oneOf(['gzip', 'none']), 'gzip');

/** The body's encoding: `application/json` or `application/x-protobuf`. */
export const protocol = variable(['HOPTRACE_FORWARD_PROTOCOL'], oneOf(['http/json', 'http/protobuf']), 'http/json');

/**
 * Sign each request with SigV4 for this service (the X-Ray OTLP endpoint: `xray`).
 * @default off
 */
export const sigv4Service = variable(['HOPTRACE_FORWARD_SIGV4_SERVICE'], text, undefined);

/** Longest one request may take, in ms. */
export const timeoutMs = variable(['HOPTRACE_FORWARD_TIMEOUT_MS'], positive('ms'), 10_000);

/** Largest request body before gzip, in bytes; larger records go in slices, a larger span is set aside. */
export const maxRequestBytes = variable(['HOPTRACE_FORWARD_MAX_BYTES'], positive('bytes'), 4 * 1024 * 1024);

/**
 * How long a trace the backend does not take (429, 502-504, no answer) is redelivered before it is set aside, in
 * seconds; deployed: the `forwardRetrySeconds` parameter (`HOPTRACE_FORWARD_RETRY_S` in the shell at package time).
 */
export const retryWindowSeconds = variable(['HOPTRACE_FORWARD_RETRY_S'], positive('seconds'), 300);
