import { readOrRefuse, type Env, type Variable } from '../../src/config/env';
import * as ENV from './env';
import * as FORWARD from './forward-env';
import type { AdaptiveSettings } from './sampling-plan';

type Read = <T>(v: Variable<T>) => T;

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
  /** How long the pipeline SLIs wait for a trace's parts before counting it. */
  sliWaitSeconds: number;
  metricsNamespace: string;
}

/** Adaptive sampling, on when HOPTRACE_TAIL_TARGET_PER_S is set. */
function adaptive(read: Read, initialProbability: number): AdaptiveSettings | undefined {
  const targetPerSecond = read(ENV.targetPerSecond);
  if (targetPerSecond === undefined) return undefined;
  return {
    targetPerSecond,
    targets: read(ENV.targets),
    intervalMs: read(ENV.intervalSeconds) * 1000,
    initialProbability: Math.max(initialProbability, 1e-5),
    minTraces: read(ENV.minTraces),
    keepOverP99: read(ENV.keepOverP99),
    objective: read(ENV.objective),
    boostBurn: read(ENV.boostBurn),
    boostMs: read(ENV.boostSeconds) * 1000,
  };
}

/**
 * The consumer's settings, from its environment. Fails loudly on a misconfiguration: a
 * consumer that cannot forward or remember decisions must not start and lose spans.
 */
export function readConsumerConfig(env: Env): ConsumerConfig {
  const read: Read = (v) => readOrRefuse(env, v);
  const endpoint = readOrRefuse(env, FORWARD.endpoint);
  const table = readOrRefuse(env, ENV.decisionTable);
  const sampleRatio = read(ENV.sampleRatio);
  return {
    policies: {
      keepErrors: read(ENV.keepErrors),
      latencyThresholdMs: read(ENV.keepLatencyMs),
      keepColdStarts: read(ENV.keepColdStarts),
      sampleRatio,
      adaptive: adaptive(read, sampleRatio),
    },
    forward: {
      endpoint,
      headers: read(FORWARD.headers),
      headersParameter: read(FORWARD.headersParameter),
      ssmEndpoint: read(FORWARD.ssmEndpoint),
      gzip: read(FORWARD.compression) === 'gzip',
      protobuf: read(FORWARD.protocol) === 'http/protobuf',
      sigv4Service: read(FORWARD.sigv4Service),
      region: read(FORWARD.region),
      timeoutMs: read(FORWARD.timeoutMs),
      maxRequestBytes: read(FORWARD.maxRequestBytes),
      retryWindowSeconds: read(FORWARD.retryWindowSeconds),
    },
    table,
    dynamodbEndpoint: read(ENV.dynamodbEndpoint),
    decisionTtlSeconds: read(ENV.decisionTtlSeconds),
    parkTtlSeconds: read(ENV.parkTtlSeconds),
    sliWaitSeconds: read(ENV.sliWaitSeconds),
    metricsNamespace: read(ENV.metricsNamespace),
  };
}
