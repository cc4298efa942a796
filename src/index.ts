// `hoptrace`: the library's public API. Everything a user imports is exported here, grouped by
// what it is for; every export carries TSDoc with an example. Child spans come from the standard
// `@opentelemetry/api`, nothing of ours.

// Tracing a handler: one call, or a middy middleware.
export { withTracing } from './wrapper/with-tracing';
export type { TracedHandler } from './wrapper/with-tracing';
export { tracing } from './wrapper/middy';
export type { MiddyMiddleware, MiddyRequest } from './wrapper/middy';
export type { LambdaHandler, LambdaCallback } from './wrapper/invoke-handler';
export type { LambdaContext } from './wrapper/lambda-context';

// Options, each overriding its environment variable.
export type { TracingOptions } from './config/options';
export type { SamplerName } from './tracer/sampler';
export type { SpanLimits } from './tracer/limits';

// The hops out and in: AWS SDK clients, batch records.
export { instrumentAwsClient } from './instrumentation/aws-sdk';
export type { AwsClientLike } from './instrumentation/aws-sdk';
export { traceRecord } from './messaging/trace-record';

// Export now, outside the wrapper's own flushes.
export { flush } from './wrapper/flush';

// Log lines that find their trace, for loggers that do not write through `console`.
export { traceLogFields } from './logs/trace-log-fields';
export type { TraceLogFields } from './logs/trace-log-fields';
