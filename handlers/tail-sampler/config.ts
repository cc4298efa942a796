import { readKeyValueList } from '../../src/config/env';
import { isObject } from '../../src/guards';
import type { AdaptiveSettings } from './sampling-plan';

type Env = Readonly<Record<string, string | undefined>>;

/** Which traces are kept. Each interest policy can be turned off on its own. */
export interface Policies {
  keepErrors: boolean;
  /** Keep a trace with a span longer than this; undefined: the policy is off. */
  latencyThresholdMs: number | undefined;
  keepColdStarts: boolean;
  /** Fraction of the remaining traces kept, 0 to 1, decided by trace id; with adaptive sampling, each new operation's first probability. */
  sampleRatio: number;
  /** Adaptive sampling of the remaining traces, per root operation, instead of the fixed ratio; undefined: off. */
  adaptive?: AdaptiveSettings | undefined;
}

export interface ForwardSettings {
  /** Full URL of the backend's OTLP/HTTP traces endpoint, e.g. http://jaeger:4318/v1/traces. */
  endpoint: string;
  /** HOPTRACE_FORWARD_HEADERS: for local use; deployed, they come from `headersParameter`. */
  headers: Record<string, string>;
  /** The SSM SecureString holding more headers (the backend's key), in the same `k=v,k=v` form. */
  headersParameter: string | undefined;
  /** Where the SSM API is; set to point at a local one. Default: the region's endpoint. */
  ssmEndpoint: string | undefined;
  gzip: boolean;
  /** `application/x-protobuf` rather than `application/json`. */
  protobuf: boolean;
  /** Sign each request with SigV4 for this service (the X-Ray OTLP endpoint: `xray`). */
  sigv4Service: string | undefined;
  region: string;
  timeoutMs: number;
  /** Largest request body before gzip; kept parts are packed into requests up to this. */
  maxRequestBytes: number;
  /** How long a trace the backend does not take is redelivered before it is set aside. */
  retryWindowSeconds: number;
}

export interface ConsumerConfig {
  policies: Policies;
  forward: ForwardSettings;
  table: string;
  /** Where the DynamoDB API is; set to point at dynalite. Default: the region's endpoint. */
  dynamodbEndpoint: string | undefined;
  /** How long a "keep" decision is remembered for later parts of its trace. */
  decisionTtlSeconds: number;
  /** How long a routine part waits in the store for an interesting part of its trace. */
  parkTtlSeconds: number;
  metricsNamespace: string;
}

function number(env: Env, name: string, fallback: number, check: (n: number) => boolean, rule: string): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value)) throw new Error(`${name}="${raw}" must be ${rule}`);
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`${name}="${env[name]}" must be true or false`);
}

const positive = (n: number): boolean => n > 0;

/** HOPTRACE_TAIL_TARGETS: `{"service": {"operation": targetPerSecond}}`. */
function targets(env: Env): Record<string, Record<string, number>> {
  const raw = env.HOPTRACE_TAIL_TARGETS?.trim();
  if (!raw) return {};
  const rule = 'a JSON object of services, each an object of operation names to kept traces per second, e.g. {"orders":{"POST /orders":5}}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`HOPTRACE_TAIL_TARGETS is not JSON; it must be ${rule}`);
  }
  if (!isObject(parsed)) throw new Error(`HOPTRACE_TAIL_TARGETS must be ${rule}`);
  for (const [service, operations] of Object.entries(parsed)) {
    if (!isObject(operations)) throw new Error(`HOPTRACE_TAIL_TARGETS: "${service}" must be an object of operation names to kept traces per second`);
    for (const [operation, target] of Object.entries(operations)) {
      if (typeof target !== 'number' || !(target > 0)) throw new Error(`HOPTRACE_TAIL_TARGETS: "${service}" / "${operation}" must be a positive number of traces per second`);
    }
  }
  return parsed as Record<string, Record<string, number>>;
}

/** Adaptive sampling, on when HOPTRACE_TAIL_TARGET_PER_S is set. */
function adaptive(env: Env, initialProbability: number): AdaptiveSettings | undefined {
  if (!env.HOPTRACE_TAIL_TARGET_PER_S?.trim()) return undefined;
  return {
    targetPerSecond: number(env, 'HOPTRACE_TAIL_TARGET_PER_S', 1, positive, 'a positive number of traces per second'),
    targets: targets(env),
    intervalMs: number(env, 'HOPTRACE_TAIL_INTERVAL_S', 60, positive, 'a positive number of seconds') * 1000,
    initialProbability: Math.max(initialProbability, 1e-5),
    minTraces: number(env, 'HOPTRACE_TAIL_MIN_TRACES', 10, (n) => n >= 0, 'a number of traces, 0 or more'),
    keepOverP99: flag(env, 'HOPTRACE_TAIL_KEEP_OVER_P99', true),
    objective: number(env, 'HOPTRACE_TAIL_OBJECTIVE', 0.999, (n) => n > 0 && n < 1, 'between 0 and 1, exclusive (0.999 for 99.9%)'),
    boostBurn: number(env, 'HOPTRACE_TAIL_BOOST_BURN', 14.4, positive, 'a positive burn rate (1 spends the error budget exactly)'),
    boostMs: number(env, 'HOPTRACE_TAIL_BOOST_S', 600, positive, 'a positive number of seconds') * 1000,
  };
}

/**
 * The consumer's settings, from its environment. Fails loudly on a misconfiguration: a
 * consumer that cannot forward or remember decisions must not start and lose spans.
 */
export function readConsumerConfig(env: Env): ConsumerConfig {
  const endpoint = env.HOPTRACE_FORWARD_ENDPOINT?.trim();
  if (!endpoint) throw new Error('HOPTRACE_FORWARD_ENDPOINT is not set (the backend\'s OTLP/HTTP traces URL)');
  if (!/^https?:\/\//.test(endpoint)) throw new Error(`HOPTRACE_FORWARD_ENDPOINT="${endpoint}" must be an http(s) URL`);
  const table = env.HOPTRACE_DECISION_TABLE?.trim();
  if (!table) throw new Error('HOPTRACE_DECISION_TABLE is not set');
  const latency = env.HOPTRACE_KEEP_LATENCY_MS?.trim().toLowerCase();
  const compression = env.HOPTRACE_FORWARD_COMPRESSION?.trim().toLowerCase() || 'gzip';
  if (compression !== 'gzip' && compression !== 'none') throw new Error(`HOPTRACE_FORWARD_COMPRESSION="${compression}" must be gzip or none`);
  const protocol = env.HOPTRACE_FORWARD_PROTOCOL?.trim().toLowerCase() || 'http/json';
  if (protocol !== 'http/json' && protocol !== 'http/protobuf') throw new Error(`HOPTRACE_FORWARD_PROTOCOL="${protocol}" must be http/json or http/protobuf`);
  const sampleRatio = number(env, 'HOPTRACE_SAMPLE_RATIO', 0.1, (n) => n >= 0 && n <= 1, 'between 0 and 1');
  return {
    policies: {
      keepErrors: flag(env, 'HOPTRACE_KEEP_ERRORS', true),
      latencyThresholdMs: latency === 'off' ? undefined : number(env, 'HOPTRACE_KEEP_LATENCY_MS', 1000, positive, 'a positive number of ms or "off"'),
      keepColdStarts: flag(env, 'HOPTRACE_KEEP_COLD_STARTS', true),
      sampleRatio,
      adaptive: adaptive(env, sampleRatio),
    },
    forward: {
      endpoint,
      headers: readKeyValueList(env, 'HOPTRACE_FORWARD_HEADERS'),
      headersParameter: env.HOPTRACE_FORWARD_HEADERS_PARAMETER?.trim() || undefined,
      ssmEndpoint: env.HOPTRACE_SSM_ENDPOINT?.trim() || undefined,
      gzip: compression === 'gzip',
      protobuf: protocol === 'http/protobuf',
      sigv4Service: env.HOPTRACE_FORWARD_SIGV4_SERVICE?.trim() || undefined,
      region: env.AWS_REGION?.trim() || 'us-east-1',
      timeoutMs: number(env, 'HOPTRACE_FORWARD_TIMEOUT_MS', 10_000, positive, 'a positive number of ms'),
      maxRequestBytes: number(env, 'HOPTRACE_FORWARD_MAX_BYTES', 4 * 1024 * 1024, positive, 'a positive number of bytes'),
      retryWindowSeconds: number(env, 'HOPTRACE_FORWARD_RETRY_S', 300, positive, 'a positive number of seconds'),
    },
    table,
    dynamodbEndpoint: env.HOPTRACE_DYNAMODB_ENDPOINT?.trim() || undefined,
    decisionTtlSeconds: number(env, 'HOPTRACE_DECISION_TTL_S', 3600, positive, 'a positive number of seconds'),
    parkTtlSeconds: number(env, 'HOPTRACE_PARK_TTL_S', 900, positive, 'a positive number of seconds'),
    metricsNamespace: env.HOPTRACE_METRICS_NAMESPACE?.trim() || 'hoptrace',
  };
}
