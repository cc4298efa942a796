import type { MiddyMiddleware } from '../index';
import type { CaptureLambdaHandlerOptions, Tracer } from './tracer';

/**
 * Powertools' middy middleware: `middy(handler).use(captureLambdaHandler(tracer))`. Use it
 * first, as hoptrace's `tracing()`.
 */
export function captureLambdaHandler(target: Tracer, options?: CaptureLambdaHandlerOptions): MiddyMiddleware {
  return target.middleware(options);
}
