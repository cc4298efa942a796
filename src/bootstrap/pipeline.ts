import { propagation, type Attributes, type Tracer } from '@opentelemetry/api';
import { readVariable, warnOnce, type Env } from '../config/env';
import { logLevel } from '../config/log-level';
import { resolveConfig, type TracingConfig, type TracingOptions } from '../config/options';
import { OtlpExporter } from '../exporter/exporter';
import { chooseDelivery, type Delivery } from '../lambda/delivery';
import { logger } from '../logger';
import { ColdStartClaim } from '../wrapper/cold-start';
import { register, type Registration } from './registration';
import type { RecorderSettings } from '../tracer/recorder';
import { REDACTED, Redactor } from '../redaction';
import { createSampler } from '../tracer/sampler';
import { VERSION } from '../version';
import { functionResource, readFunctionEnv, type FunctionEnv } from '../wrapper/lambda-context';

/** Everything one wrapped handler needs, built once at module init, never per invocation. */
export interface Pipeline {
  readonly config: TracingConfig;
  readonly functionEnv: FunctionEnv;
  readonly settings: RecorderSettings;
  readonly exporter: OtlpExporter;
  /** How each invocation's spans leave: before the return, or after the response. */
  readonly delivery: Delivery;
  readonly registration: Registration;
  readonly tracer: Tracer;
  readonly coldStart: ColdStartClaim;
  /** Header names the registered propagators read, lower-case. */
  readonly contextHeaders: ReadonlySet<string>;
  /** The xray propagator is on: Lambda's `_X_AMZN_TRACE_ID` is a parent of last resort. */
  readonly xrayEnabled: boolean;
  /**
   * Names the service after the function the Lambda context names, when neither options nor
   * environment did (local runs, tests): once, at the first invocation.
   */
  readonly nameService: (functionName: string | undefined) => void;
}

let latest: Pipeline | undefined;

/** The most recently built pipeline: what `flush()` uses outside an invocation. */
export function latestPipeline(): Pipeline | undefined {
  return latest;
}

/** What `service.name` is when nothing names the service, as OpenTelemetry's SDKs say. */
const UNKNOWN_SERVICE = 'unknown_service:nodejs';

function resource(config: TracingConfig, fn: FunctionEnv, redactor: Redactor, serviceName: string): Attributes {
  const extra: Attributes = {};
  for (const [key, value] of Object.entries(config.resourceAttributes))
    extra[key] = redactor.isSensitive(key) ? REDACTED : value;
  // Frozen: the exporter encodes each resource once.
  return Object.freeze({
    ...functionResource(fn),
    ...extra,
    'service.name': serviceName,
    'telemetry.sdk.name': 'hoptrace',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': VERSION,
  });
}

/** Undefined when tracing is disabled. */
export function createPipeline(options: TracingOptions, env: Env = process.env): Pipeline | undefined {
  logger.setLevel(readVariable(env, logLevel, warnOnce));
  const config = resolveConfig(options, env);
  if (config.disabled) return undefined;
  const redactor = new Redactor(config.redactKeys);
  const settings: RecorderSettings = {
    sampler: createSampler(config.sampler, config.samplerRatio),
    limits: config.spanLimits,
    redactor,
    maxSpans: config.maxSpansPerInvocation,
  };
  const registration = register(config, settings);
  const functionEnv = readFunctionEnv(env);
  const exporter = new OtlpExporter({
    endpoint: config.endpoint,
    headers: config.headers,
    compression: config.compression,
    requestTimeoutMs: config.requestTimeoutMs,
    maxExportBytes: config.maxExportBytes,
    resource: resource(config, functionEnv, redactor, config.serviceName ?? UNKNOWN_SERVICE),
    redactor,
    spool: config.spool,
  });
  let named = config.serviceName !== undefined;
  latest = {
    config,
    functionEnv,
    settings,
    exporter,
    delivery: chooseDelivery(exporter, registration.provider.sandboxRecorder, config, functionEnv.inLambdaRuntime),
    registration,
    tracer: registration.provider.getTracer('hoptrace', VERSION),
    contextHeaders: new Set(propagation.fields().map((f) => f.toLowerCase())),
    xrayEnabled: config.propagators.includes('xray'),
    coldStart: new ColdStartClaim(),
    nameService: (functionName) => {
      if (named || !functionName) return;
      named = true;
      exporter.useResource(resource(config, functionEnv, redactor, functionName));
    },
  };
  return latest;
}

/**
 * The pipeline of a handler being wrapped, at module init; undefined when tracing is off or
 * could not be set up (logged): the handler then runs untraced, never broken.
 */
export function pipelineForHandler(options: TracingOptions): Pipeline | undefined {
  try {
    return createPipeline(options);
  } catch (error) {
    logger.warn('setup', `tracing disabled: ${(error as Error).message}`);
    return undefined;
  }
}
