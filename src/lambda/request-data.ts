import { isObject, str } from '../guards';
import type { LambdaContext } from '../wrapper/lambda-context';

interface InvokeStore {
  getXRayTraceId?: () => unknown;
  getTenantId?: () => unknown;
}

/** Lambda Managed Instances: one process serves many invocations at once and is never frozen. */
export const MULTI_CONCURRENT = process.env.AWS_LAMBDA_MAX_CONCURRENCY !== undefined;

/** The runtime's per-invocation store (`@aws/lambda-invoke-store`), where the runtime client provides one. */
function invokeStore(): InvokeStore | undefined {
  const store = (globalThis as { awslambda?: { InvokeStore?: unknown } }).awslambda?.InvokeStore;
  return isObject(store) ? (store as InvokeStore) : undefined;
}

function fromStore(read: (store: InvokeStore) => unknown): string | undefined {
  try {
    const store = invokeStore();
    return store ? str(read(store)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The invocation's X-Ray trace header: from its context or the invoke store; the
 * `_X_AMZN_TRACE_ID` variable only where one process serves one invocation at a time
 * (process-wide variables belong to no invocation on Managed Instances).
 */
export function xrayTraceHeader(context: LambdaContext | undefined): string | undefined {
  return (
    str(context?.xRayTraceId) ??
    fromStore((s) => s.getXRayTraceId?.()) ??
    (MULTI_CONCURRENT ? undefined : str(process.env._X_AMZN_TRACE_ID))
  );
}

/** The tenant of a multi-tenant function's invocation, from its context or the invoke store. */
export function tenantId(context: LambdaContext | undefined): string | undefined {
  return str(context?.tenantId) ?? fromStore((s) => s.getTenantId?.());
}
