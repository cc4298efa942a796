import { parseRedactKeys, Redactor } from '../../src/redaction';

/** The ingest's settings, from its environment. Read once per sandbox. */
export interface IngestConfig {
  streamName: string;
  /** Where the Kinesis API is; set to point at kinesalite. Default: the region's endpoint. */
  kinesisEndpoint: string | undefined;
  region: string;
  /** API keys accepted; `undefined` only when auth is explicitly off. */
  apiKeys: string[] | undefined;
  /** Largest body accepted, after base64 decoding and after inflating gzip. */
  maxBodyBytes: number;
  maxAttributesPerSpan: number;
  maxAttributeValueLength: number;
  /** Which attribute values are replaced before storage. */
  redactor: Redactor;
  /** Time kept back from the Lambda deadline for answering. */
  deadlineMarginMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function positive(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}="${raw}" must be a positive number`);
  return value;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * Fails loudly on a misconfiguration: an ingest without a stream, or without keys while
 * auth is not explicitly off, must not start at all.
 */
export function readIngestConfig(env: Env): IngestConfig {
  const streamName = env.HOPTRACE_STREAM_NAME?.trim();
  if (!streamName) throw new Error('HOPTRACE_STREAM_NAME is not set');
  const authOff = env.HOPTRACE_INGEST_AUTH?.trim().toLowerCase() === 'none';
  const apiKeys = list(env.HOPTRACE_INGEST_API_KEYS);
  if (!authOff && apiKeys.length === 0) {
    throw new Error('HOPTRACE_INGEST_API_KEYS is empty; set keys, or HOPTRACE_INGEST_AUTH=none to run without auth (local use only)');
  }
  return {
    streamName,
    kinesisEndpoint: env.HOPTRACE_KINESIS_ENDPOINT?.trim() || undefined,
    region: env.AWS_REGION?.trim() || 'us-east-1',
    apiKeys: authOff ? undefined : apiKeys,
    maxBodyBytes: positive(env, 'HOPTRACE_MAX_BODY_BYTES', 5 * 1024 * 1024),
    maxAttributesPerSpan: positive(env, 'HOPTRACE_MAX_ATTRIBUTES', 128),
    maxAttributeValueLength: positive(env, 'HOPTRACE_MAX_ATTRIBUTE_LENGTH', 8192),
    redactor: new Redactor(parseRedactKeys(env.HOPTRACE_REDACT_KEYS)),
    deadlineMarginMs: positive(env, 'HOPTRACE_DEADLINE_MARGIN_MS', 500),
  };
}
