import { propagation, type Attributes, type Tracer } from '@opentelemetry/api';
import type { Env } from '../config/env';
import { resolveConfig, type TracingConfig, type TracingOptions } from '../config/options';
import { OtlpExporter } from '../exporter/exporter';
import { chooseDelivery, type Delivery } from '../lambda/delivery';
import { logger } from '../logger';
import { markHandlerReady } from './cold-start';
import { register, type Registration } from '../registration';
import type { RecorderSettings } from '../tracer/recorder';
import { REDACTED, Redactor } from '../redaction';
import { createSampler } from '../tracer/sampler';
import { VERSION } from '../version';
import { functionResource, readFunctionEnv, type FunctionEnv } from './lambda-context';

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
  /** Header names the registered propagators read, lower-case. */
  readonly contextHeaders: ReadonlySet<string>;
  /** The xray propagator is on: Lambda's `_X_AMZN_TRACE_ID` is a parent of last resort. */
  readonly xrayEnabled: boolean;
}

let latest: Pipeline | undefined;

/** The most recently built pipeline: what `flush()` uses outside an invocation. */
export function latestPipeline(): Pipeline | undefined {
  return latest;
}

function resource(config: TracingConfig, fn: FunctionEnv, redactor: Redactor): Attributes {
  const extra: Attributes = {};
  for (const [key, value] of Object.entries(config.resourceAttributes)) extra[key] = redactor.isSensitive(key) ? REDACTED : value;
  // Frozen: the exporter encodes it once per sandbox.
  return Object.freeze({
    ...functionResource(fn),
    ...extra,
    'service.name': config.serviceName,
    'telemetry.sdk.name': 'hoptrace',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': VERSION,
  });
}

/** Undefined when tracing is disabled. */
export function createPipeline(options: TracingOptions, env: Env = process.env): Pipeline | undefined {
  logger.setLevel(env.OTEL_LOG_LEVEL);
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
    maxExportBytes: config.maxExportBytes,
    resource: resource(config, functionEnv, redactor),
    spool: config.spool,
  });
  latest = {
    config,
    functionEnv,
    settings,
    exporter,
    delivery: chooseDelivery(exporter, registration.provider.sandboxRecorder, config.flushTimeoutMs, functionEnv.inLambdaRuntime),
    registration,
    tracer: registration.provider.getTracer('hoptrace', VERSION),
    contextHeaders: new Set(propagation.fields().map((f) => f.toLowerCase())),
    xrayEnabled: config.propagators.includes('xray'),
  };
  return latest;
}

/**
 * The pipeline of a handler being wrapped, at module init; undefined when tracing is off or
 * could not be set up (logged): the handler then runs untraced, never broken.
 */
export function pipelineForHandler(options: TracingOptions): Pipeline | undefined {
  let pipeline: Pipeline | undefined;
  try {
    pipeline = createPipeline(options);
  } catch (error) {
    logger.warn('setup', `tracing disabled: ${(error as Error).message}`);
  }
  if (pipeline) markHandlerReady();
  return pipeline;
}
