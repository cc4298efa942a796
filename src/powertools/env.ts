import type { Env } from '../config/env';

/** Powertools Tracer's own variables, read as it reads them. */
export interface PowertoolsEnv {
  /** Powertools traces only in Lambda: `AWS_EXECUTION_ENV` set, and neither SAM local nor Amplify's mock. */
  inLambda: boolean;
  /** `POWERTOOLS_TRACE_ENABLED=false`. */
  disabled: boolean;
  /** `POWERTOOLS_TRACER_CAPTURE_RESPONSE` is not `false`. */
  captureResponse: boolean;
  /** `POWERTOOLS_TRACER_CAPTURE_ERROR` is not `false`. */
  captureError: boolean;
  serviceName: string | undefined;
  /** `AWS_LAMBDA_INITIALIZATION_TYPE`: only `on-demand` sandboxes have cold starts. */
  onDemand: boolean;
  handler: string | undefined;
}

const isFalse = (value: string | undefined): boolean => value?.trim().toLowerCase() === 'false';

export function readPowertoolsEnv(env: Env = process.env): PowertoolsEnv {
  const executionEnv = env.AWS_EXECUTION_ENV?.trim() ?? '';
  return {
    inLambda: executionEnv !== '' && executionEnv !== 'AWS_Lambda_amplify-mock' && !env.AWS_SAM_LOCAL?.trim(),
    disabled: isFalse(env.POWERTOOLS_TRACE_ENABLED),
    captureResponse: !isFalse(env.POWERTOOLS_TRACER_CAPTURE_RESPONSE),
    captureError: !isFalse(env.POWERTOOLS_TRACER_CAPTURE_ERROR),
    serviceName: env.POWERTOOLS_SERVICE_NAME?.trim() || undefined,
    onDemand: (env.AWS_LAMBDA_INITIALIZATION_TYPE ?? 'on-demand') === 'on-demand',
    handler: env._HANDLER,
  };
}
