import { parseRedactKeys, Redactor } from '../../src/redaction';
import { DEFAULT_REQUEST_LIMITS } from './request-limits';

/** The ingest's settings, from its environment. Read once per sandbox. */
export interface IngestConfig {
  streamName: string;
  /** Where the Kinesis API is; set to point at kinesalite. Default: the region's endpoint. */
  kinesisEndpoint: string | undefined;
  region: string;
  /** The SSM parameter (SecureString) holding the tenants' keys; undefined only when auth is explicitly off. */
  keysParameter: string | undefined;
  /** Shortest time between reads of the keys prompted by a key not among them (a key just added). */
  keysRecheckMs: number;
  /** Age after which the keys are read again on the next request, so revoked keys stop working. */
  keysRefreshMs: number;
  /** Where the SSM API is; set to point at a local one. Default: the region's endpoint. */
  ssmEndpoint: string | undefined;
  /** Largest body accepted, after base64 decoding and after inflating gzip. */
  maxBodyBytes: number;
  /** Most stream records (traces) one request may become. */
  maxRecordsPerRequest: number;
  /** Most spans one request may hold, counted before they are validated. */
  maxSpansPerRequest: number;
  /** Most messages (spans, key-values, values, events, ...) one request may hold, counted before they are built. */
  maxItemsPerRequest: number;
  maxAttributesPerSpan: number;
  maxAttributeValueLength: number;
  /** Which attribute values are replaced before storage. */
  redactor: Redactor;
  /** Longest the ingest waits (init, keys, stream), from API Gateway's receipt, before it answers (503 if the stream has not taken the request). */
  answerWithinMs: number;
  /** The least time the stream write gets once the request is decoded, whatever the decoding took. */
  streamWindowMs: number;
  /** Time kept back from the Lambda deadline for answering. */
  deadlineMarginMs: number;
  /** Namespace of the embedded metrics (what senders say they sent), the tail sampler's too. */
  metricsNamespace: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function positive(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}="${raw}" must be a positive number`);
  return value;
}

/**
 * Fails loudly on a misconfiguration: an ingest without a stream, or without a key source
 * while auth is not explicitly off, must not start at all.
 */
export function readIngestConfig(env: Env): IngestConfig {
  const streamName = env.HOPTRACE_STREAM_NAME?.trim();
  if (!streamName) throw new Error('HOPTRACE_STREAM_NAME is not set');
  if (env.HOPTRACE_INGEST_API_KEYS !== undefined) {
    throw new Error('HOPTRACE_INGEST_API_KEYS is not read: keys in plain environment variables leak; store them in the SSM parameter named by HOPTRACE_INGEST_KEYS_PARAMETER');
  }
  const authOff = env.HOPTRACE_INGEST_AUTH?.trim().toLowerCase() === 'none';
  const keysParameter = env.HOPTRACE_INGEST_KEYS_PARAMETER?.trim() || undefined;
  if (!authOff && keysParameter === undefined) {
    throw new Error('HOPTRACE_INGEST_KEYS_PARAMETER is not set; name the SSM SecureString holding the keys, or set HOPTRACE_INGEST_AUTH=none to run without auth (local use only)');
  }
  return {
    streamName,
    kinesisEndpoint: env.HOPTRACE_KINESIS_ENDPOINT?.trim() || undefined,
    region: env.AWS_REGION?.trim() || 'us-east-1',
    keysParameter: authOff ? undefined : keysParameter,
    keysRecheckMs: positive(env, 'HOPTRACE_INGEST_KEYS_RECHECK_MS', 30_000),
    keysRefreshMs: positive(env, 'HOPTRACE_INGEST_KEYS_REFRESH_MS', 300_000),
    ssmEndpoint: env.HOPTRACE_SSM_ENDPOINT?.trim() || undefined,
    maxBodyBytes: positive(env, 'HOPTRACE_MAX_BODY_BYTES', 5 * 1024 * 1024),
    maxRecordsPerRequest: positive(env, 'HOPTRACE_MAX_RECORDS_PER_REQUEST', DEFAULT_REQUEST_LIMITS.maxTraces),
    maxSpansPerRequest: positive(env, 'HOPTRACE_MAX_SPANS_PER_REQUEST', DEFAULT_REQUEST_LIMITS.maxSpans),
    maxItemsPerRequest: positive(env, 'HOPTRACE_MAX_ITEMS_PER_REQUEST', DEFAULT_REQUEST_LIMITS.maxItems),
    maxAttributesPerSpan: positive(env, 'HOPTRACE_MAX_ATTRIBUTES', 128),
    maxAttributeValueLength: positive(env, 'HOPTRACE_MAX_ATTRIBUTE_LENGTH', 8192),
    redactor: new Redactor(parseRedactKeys(env.HOPTRACE_REDACT_KEYS)),
    answerWithinMs: positive(env, 'HOPTRACE_INGEST_ANSWER_MS', 350),
    streamWindowMs: positive(env, 'HOPTRACE_INGEST_STREAM_MS', 250),
    deadlineMarginMs: positive(env, 'HOPTRACE_DEADLINE_MARGIN_MS', 500),
    metricsNamespace: env.HOPTRACE_METRICS_NAMESPACE?.trim() || 'hoptrace',
  };
}
