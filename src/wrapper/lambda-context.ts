import type { Attributes } from '@opentelemetry/api';
import type { Env } from '../config/env';
import { str } from '../guards';
import { setIfPresent } from './conventions';

/**
 * The parts of the Lambda context hoptrace reads; structurally compatible with `aws-lambda`'s
 * `Context`, so either may be the handler's context type.
 *
 * @example
 * ```typescript
 * import { withTracing, type LambdaContext } from 'hoptrace';
 *
 * export const handler = withTracing(async (event: unknown, context: LambdaContext) => ({
 *   requestId: context.awsRequestId,
 * }));
 * ```
 */
export interface LambdaContext {
  awsRequestId?: string;
  functionName?: string;
  functionVersion?: string;
  invokedFunctionArn?: string;
  memoryLimitInMB?: string;
  logStreamName?: string;
  getRemainingTimeInMillis?: () => number;
  clientContext?: unknown;
  [key: string]: unknown;
}

/** Remaining time as Lambda reports it; undefined when the context cannot tell. */
export function remainingTimeMs(context: LambdaContext | undefined): number | undefined {
  try {
    const remaining =
      typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
    return typeof remaining === 'number' && Number.isFinite(remaining) ? remaining : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `cloud.resource_id` per the FaaS conventions: the function ARN with any alias replaced
 * by the resolved version, so aliases of one version share one id.
 */
function resourceId(arnParts: readonly string[], version: string | undefined): string {
  const base = arnParts.slice(0, 7).join(':');
  return version && version !== '$LATEST' ? `${base}:${version}` : base;
}

/** What Lambda's environment variables say of the function; fixed for the sandbox's life. */
export interface FunctionEnv {
  readonly region: string | undefined;
  readonly name: string | undefined;
  readonly version: string | undefined;
  readonly instance: string | undefined;
  readonly memoryMb: number;
  readonly initializationType: string | undefined;
  /** A Lambda runtime runs us: the process is the sandbox, its start the start of init. */
  readonly inLambdaRuntime: boolean;
}

/** Read once per wrapper: every `process.env` read crosses into C++. */
export function readFunctionEnv(env: Env): FunctionEnv {
  return {
    region: str(env.AWS_REGION),
    name: str(env.AWS_LAMBDA_FUNCTION_NAME),
    version: str(env.AWS_LAMBDA_FUNCTION_VERSION),
    instance: str(env.AWS_LAMBDA_LOG_STREAM_NAME),
    memoryMb: Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) || 0,
    initializationType: str(env.AWS_LAMBDA_INITIALIZATION_TYPE),
    inLambdaRuntime: str(env.AWS_LAMBDA_RUNTIME_API) !== undefined,
  };
}

/** Resource attributes of the function. */
export function functionResource(fn: FunctionEnv): Attributes {
  const attributes: Attributes = { 'cloud.provider': 'aws', 'cloud.platform': 'aws_lambda' };
  setIfPresent(attributes, 'cloud.region', fn.region);
  setIfPresent(attributes, 'faas.name', fn.name);
  setIfPresent(attributes, 'faas.version', fn.version);
  setIfPresent(attributes, 'faas.instance', fn.instance);
  if (fn.memoryMb > 0) attributes['faas.max_memory'] = fn.memoryMb * 1024 * 1024;
  return attributes;
}

/** Per-invocation FaaS and cloud attributes of the root span. */
export function invocationAttributes(context: LambdaContext | undefined, fn: FunctionEnv): Attributes {
  const attributes: Attributes = { 'cloud.provider': 'aws' };
  const arn = str(context?.invokedFunctionArn);
  // arn:aws:lambda:<region>:<account>:function:<name>[:<alias or version>]
  const arnParts = arn?.split(':');
  const version = str(context?.functionVersion) ?? fn.version;
  setIfPresent(attributes, 'faas.invocation_id', str(context?.awsRequestId));
  setIfPresent(attributes, 'faas.name', str(context?.functionName) ?? fn.name);
  setIfPresent(attributes, 'faas.version', version);
  setIfPresent(attributes, 'cloud.region', fn.region ?? arnParts?.[3]);
  if (arn && arnParts) {
    attributes['aws.lambda.invoked_arn'] = arn;
    attributes['cloud.resource_id'] = resourceId(arnParts, version);
    setIfPresent(attributes, 'cloud.account.id', arnParts[4]);
  }
  return attributes;
}
