// `hoptrace/powertools`: Powertools for AWS Lambda's Tracer API on hoptrace. Built on the
// public API of `hoptrace` only, which it imports (never a copy of its own).
export { Tracer } from './tracer';
export type { TracerOptions, CaptureLambdaHandlerOptions, CaptureMethodOptions } from './tracer';
export { captureLambdaHandler } from './middleware';
export type { MethodDecorator } from './decorators';
export { ANNOTATION_PREFIX, METADATA_PREFIX } from './attributes';
