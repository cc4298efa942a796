import type { Attributes } from '@opentelemetry/api';
import type { Env } from '../config/env';

/** The parts of the Lambda context hoptrace reads; structurally compatible with `aws-lambda`'s `Context`. */
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
    const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
    return typeof remaining === 'number' && Number.isFinite(remaining) ? remaining : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `cloud.resource_id` per the FaaS conventions: the function ARN with any alias replaced
 * by the resolved version, so aliases of one version share one id.
 */
function resourceId(invokedArn: string, version: string | undefined): string {
  const parts = invokedArn.split(':');
  const base = parts.slice(0, 7).join(':');
  return version && version !== '$LATEST' ? `${base}:${version}` : base;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Resource attributes of the function, from the environment Lambda sets. */
export function functionResource(env: Env): Attributes {
  const attributes: Attributes = { 'cloud.provider': 'aws', 'cloud.platform': 'aws_lambda' };
  const set = (key: string, value: string | undefined): void => {
    if (value) attributes[key] = value;
  };
  set('cloud.region', env.AWS_REGION);
  set('faas.name', env.AWS_LAMBDA_FUNCTION_NAME);
  set('faas.version', env.AWS_LAMBDA_FUNCTION_VERSION);
  set('faas.instance', env.AWS_LAMBDA_LOG_STREAM_NAME);
  const memory = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  if (memory > 0) attributes['faas.max_memory'] = memory * 1024 * 1024;
  return attributes;
}

/** Per-invocation FaaS and cloud attributes of the root span. */
export function invocationAttributes(context: LambdaContext | undefined, env: Env): Attributes {
  const attributes: Attributes = { 'cloud.provider': 'aws' };
  const set = (key: string, value: string | undefined): void => {
    if (value) attributes[key] = value;
  };
  const arn = str(context?.invokedFunctionArn);
  const version = str(context?.functionVersion) ?? env.AWS_LAMBDA_FUNCTION_VERSION;
  set('faas.invocation_id', str(context?.awsRequestId));
  set('faas.name', str(context?.functionName) ?? env.AWS_LAMBDA_FUNCTION_NAME);
  set('faas.version', version);
  set('cloud.region', env.AWS_REGION ?? arn?.split(':')[3]);
  if (arn) {
    attributes['aws.lambda.invoked_arn'] = arn;
    attributes['cloud.resource_id'] = resourceId(arn, version);
    set('cloud.account.id', arn.split(':')[4]);
  }
  return attributes;
}
