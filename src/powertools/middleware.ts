import type { MiddyMiddleware } from '../index';
import type { CaptureLambdaHandlerOptions, Tracer } from './tracer';

/**
 * Powertools' middy middleware: `middy(handler).use(captureLambdaHandler(tracer))`. Use it
 * first, as hoptrace's `tracing()`.
 *
 * @example
 * ```typescript
 * import middy from '@middy/core';
 * import { captureLambdaHandler, Tracer } from 'hoptrace/powertools';
 *
 * const tracer = new Tracer({ serviceName: 'serverlessAirline' });
 * export const handler = middy(handle).use(captureLambdaHandler(tracer));
 * ```
 */
export function captureLambdaHandler(target: Tracer, options?: CaptureLambdaHandlerOptions): MiddyMiddleware {
  return target.middleware(options);
}
