export { withTracing } from './wrapper/with-tracing';
export { tracing } from './wrapper/middy';
export { flush } from './wrapper/flush';
export type { TracingOptions } from './config/options';
export type { SamplerName } from './tracer/sampler';
export type { SpanLimits } from './tracer/limits';
export type { LambdaContext } from './wrapper/lambda-context';
export type { LambdaHandler, LambdaCallback } from './wrapper/invoke-handler';
export type { MiddyMiddleware, MiddyRequest } from './wrapper/middy';
