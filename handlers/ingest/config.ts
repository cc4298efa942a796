import { EnvironmentError, readOrRefuse, type Env, type Variable } from '../../src/config/env';
import { Redactor } from '../../src/redaction';
import * as ENV from './env';

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

/**
 * Fails loudly on a misconfiguration: an ingest without a stream, or without a key source
 * while auth is not explicitly off, must not start at all.
 */
export function readIngestConfig(env: Env): IngestConfig {
  const read = <T>(v: Variable<T>): T => readOrRefuse(env, v);
  const streamName = readOrRefuse(env, ENV.streamName);
  if (env.HOPTRACE_INGEST_API_KEYS !== undefined) {
    throw new EnvironmentError(
      'HOPTRACE_INGEST_API_KEYS is not read: keys in plain environment variables leak; ' +
        'store them in the SSM parameter named by HOPTRACE_INGEST_KEYS_PARAMETER',
    );
  }
  const authOff = read(ENV.auth) === 'none';
  const keysParameter = read(ENV.keysParameter);
  if (!authOff && keysParameter === undefined) {
    throw new EnvironmentError(
      'HOPTRACE_INGEST_KEYS_PARAMETER is not set; name the SSM SecureString holding the keys, ' +
        'or set HOPTRACE_INGEST_AUTH=none to run without auth (local use only)',
    );
  }
  return {
    streamName,
    kinesisEndpoint: read(ENV.kinesisEndpoint),
    region: read(ENV.region),
    keysParameter: authOff ? undefined : keysParameter,
    keysRecheckMs: read(ENV.keysRecheckMs),
    keysRefreshMs: read(ENV.keysRefreshMs),
    ssmEndpoint: read(ENV.ssmEndpoint),
    maxBodyBytes: read(ENV.maxBodyBytes),
    maxRecordsPerRequest: read(ENV.maxRecordsPerRequest),
    maxSpansPerRequest: read(ENV.maxSpansPerRequest),
    maxItemsPerRequest: read(ENV.maxItemsPerRequest),
    maxAttributesPerSpan: read(ENV.maxAttributesPerSpan),
    maxAttributeValueLength: read(ENV.maxAttributeValueLength),
    redactor: new Redactor(read(ENV.redactKeys)),
    answerWithinMs: read(ENV.answerWithinMs),
    streamWindowMs: read(ENV.streamWindowMs),
    deadlineMarginMs: read(ENV.deadlineMarginMs),
    metricsNamespace: read(ENV.metricsNamespace),
  };
}
