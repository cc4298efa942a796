import { SpanStatusCode, trace, TraceFlags, type Span } from '@opentelemetry/api';
import {
  instrumentAwsClient,
  tracing,
  withTracing,
  type AwsClientLike,
  type MiddyMiddleware,
  type TracingOptions,
} from '../index';
import { annotationKey, metadataKey, metadataValue } from './attributes';
import { methodDecorator, type AnyMethod, type MethodDecorator } from './decorators';
import { readPowertoolsEnv, type PowertoolsEnv } from './env';

/**
 * Powertools Tracer's constructor options.
 *
 * @example
 * ```typescript
 * import { Tracer, type TracerOptions } from 'hoptrace/powertools';
 *
 * const options: TracerOptions = { serviceName: 'serverlessAirline' };
 * const tracer = new Tracer(options);
 * ```
 */
export interface TracerOptions {
  /**
   * `false` turns tracing off (so does `POWERTOOLS_TRACE_ENABLED=false`); outside Lambda it is off.
   * @default true
   */
  enabled?: boolean;
  /**
   * The `Service` annotation and metadata namespace; hoptrace's `service.name` too. Env: `POWERTOOLS_SERVICE_NAME`.
   * @default `'service_undefined'` for the annotation; hoptrace's own default for `service.name`
   */
  serviceName?: string;
  /**
   * Accepted for compatibility: hoptrace traces outgoing HTTP in every wrapped handler
   * (`OTEL_NODE_DISABLED_INSTRUMENTATIONS` turns it off).
   * @default true
   */
  captureHTTPsRequests?: boolean;
  /**
   * Accepted for compatibility and not read: configure with the environment.
   * @default undefined
   */
  customConfigService?: unknown;
}

/**
 * Options of the handler decorator and middleware.
 *
 * @example
 * ```typescript
 * import middy from '@middy/core';
 * import { captureLambdaHandler, Tracer } from 'hoptrace/powertools';
 *
 * const tracer = new Tracer();
 * export const handler = middy(handle).use(captureLambdaHandler(tracer, { captureResponse: false }));
 * ```
 */
export interface CaptureLambdaHandlerOptions {
  /**
   * `false` keeps the handler's result out of the metadata (so does `POWERTOOLS_TRACER_CAPTURE_RESPONSE=false`).
   * @default true
   */
  captureResponse?: boolean;
}

/**
 * Options of the method decorator.
 *
 * @example
 * ```typescript
 * class Orders {
 *   @tracer.captureMethod({ subSegmentName: 'load order', captureResponse: false })
 *   async load(id: string) {
 *     return db.get(id);
 *   }
 * }
 * ```
 */
export interface CaptureMethodOptions {
  /**
   * The span's name.
   * @default `'### <method name>'`
   */
  subSegmentName?: string;
  /**
   * `false` keeps the method's result out of the metadata (so does `POWERTOOLS_TRACER_CAPTURE_RESPONSE=false`).
   * @default true
   */
  captureResponse?: boolean;
}

/** Powertools' name for a service nobody named. */
const UNNAMED_SERVICE = 'service_undefined';

/**
 * Powertools for AWS Lambda's Tracer API, on hoptrace: change the import and the same code
 * makes OpenTelemetry traces. The handler decorator and middleware make the invocation's root
 * span (the one Powertools' `## <handler>` subsegment stands for); annotations and metadata are
 * attributes of the active span (`xray.annotation.<key>`, `xray.metadata.<namespace>.<key>`).
 *
 * @example
 * ```typescript
 * import { Tracer } from 'hoptrace/powertools';
 * import middy from '@middy/core';
 *
 * const tracer = new Tracer({ serviceName: 'serverlessAirline' });
 *
 * export const handler = middy(async () => {
 *   tracer.putAnnotation('successfulBooking', true);
 * }).use(tracer.middleware());
 * ```
 */
export class Tracer {
  readonly serviceName: string;
  private readonly env: PowertoolsEnv;
  private readonly tracingEnabled: boolean;
  private readonly captureResponse: boolean;
  private readonly captureError: boolean;
  private readonly wrapperOptions: TracingOptions;
  private coldStart: boolean;
  private readonly otel = trace.getTracer('hoptrace/powertools');

  constructor(options: TracerOptions = {}) {
    this.env = readPowertoolsEnv();
    this.tracingEnabled = options.enabled !== false && !this.env.disabled && this.env.inLambda;
    this.captureResponse = this.env.captureResponse;
    this.captureError = this.env.captureError;
    const named = options.serviceName?.trim() || this.env.serviceName;
    this.serviceName = named ?? UNNAMED_SERVICE;
    // Unnamed, the service is hoptrace's default (OTEL_SERVICE_NAME, else the function's name).
    this.wrapperOptions = named ? { serviceName: named } : {};
    this.coldStart = this.env.onDemand;
  }

  /**
   * Whether the tracer records: off with `enabled: false`, `POWERTOOLS_TRACE_ENABLED=false`, or outside Lambda.
   *
   * @example
   * ```typescript
   * if (tracer.isTracingEnabled()) tracer.putMetadata('payload', event);
   * ```
   */
  isTracingEnabled(): boolean {
    return this.tracingEnabled;
  }

  /**
   * Whether the active trace is sampled (recorded and exported).
   *
   * @example
   * ```typescript
   * if (tracer.isTraceSampled()) tracer.putMetadata('cart', expensiveSummary());
   * ```
   */
  isTraceSampled(): boolean {
    if (!this.tracingEnabled) return false;
    const span = trace.getActiveSpan()?.spanContext();
    return span !== undefined && (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  }

  /**
   * The active trace's id in X-Ray's form (`1-<8 hex>-<24 hex>`): the same trace hoptrace
   * exports. Outside a trace, the root of Lambda's `_X_AMZN_TRACE_ID`, as Powertools reads it.
   *
   * @example
   * ```typescript
   * return { statusCode: 500, headers: { 'x-trace-id': tracer.getRootXrayTraceId() ?? '' } };
   * ```
   */
  getRootXrayTraceId(): string | undefined {
    const span = trace.getActiveSpan()?.spanContext();
    if (span && trace.isSpanContextValid(span)) return `1-${span.traceId.slice(0, 8)}-${span.traceId.slice(8)}`;
    return /(?:^|;)\s*Root=([^;]+)/.exec(process.env._X_AMZN_TRACE_ID ?? '')?.[1];
  }

  /**
   * Sets `xray.annotation.<key>` on the active span.
   *
   * @example
   * ```typescript
   * tracer.putAnnotation('successfulBooking', true);
   * ```
   */
  putAnnotation(key: string, value: string | number | boolean): void {
    if (this.tracingEnabled) trace.getActiveSpan()?.setAttribute(annotationKey(key), value);
  }

  /**
   * Sets `xray.metadata.<namespace>.<key>` on the active span; objects as their JSON text.
   * The namespace is the service name unless given.
   *
   * @example
   * ```typescript
   * tracer.putMetadata('paymentResponse', { id: 'pay_1', amount: 42 });
   * ```
   */
  putMetadata(key: string, value: unknown, namespace?: string): void {
    if (!this.tracingEnabled) return;
    const attribute = metadataValue(value);
    if (attribute !== undefined)
      trace.getActiveSpan()?.setAttribute(metadataKey(namespace || this.serviceName, key), attribute);
  }

  /**
   * `xray.annotation.Service`: the service name. The handler decorator and middleware set it.
   *
   * @example
   * ```typescript
   * tracer.addServiceNameAnnotation();
   * ```
   */
  addServiceNameAnnotation(): void {
    this.putAnnotation('Service', this.serviceName);
  }

  /**
   * `xray.annotation.ColdStart`: true in the first invocation of an on-demand sandbox only.
   * The handler decorator and middleware set it.
   *
   * @example
   * ```typescript
   * tracer.annotateColdStart();
   * ```
   */
  annotateColdStart(): void {
    if (!this.tracingEnabled) return;
    this.putAnnotation('ColdStart', this.coldStart);
    this.coldStart = false;
  }

  /**
   * `<methodName> response` metadata, unless `POWERTOOLS_TRACER_CAPTURE_RESPONSE=false`.
   *
   * @example
   * ```typescript
   * tracer.addResponseAsMetadata(result, 'getBooking');
   * ```
   */
  addResponseAsMetadata(data?: unknown, methodName?: string): void {
    if (data === undefined || !this.captureResponse) return;
    this.putMetadata(`${methodName} response`, data);
  }

  /**
   * The error on the active span: an `exception` event and status ERROR, or with
   * `POWERTOOLS_TRACER_CAPTURE_ERROR=false` the status alone. `remote` (the error came from a
   * call the function made) is `xray.exception.remote`.
   *
   * @example
   * ```typescript
   * try {
   *   await charge();
   * } catch (error) {
   *   tracer.addErrorAsMetadata(error as Error, true);
   *   throw error;
   * }
   * ```
   */
  addErrorAsMetadata(error: Error, remote?: boolean): void {
    if (!this.tracingEnabled) return;
    const span = trace.getActiveSpan();
    if (!span) return;
    markError(span, error, this.captureError);
    if (remote) span.setAttribute('xray.exception.remote', true);
  }

  /**
   * The client's calls become spans, as `instrumentAwsClient` makes them.
   *
   * @example
   * ```typescript
   * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
   *
   * const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
   * ```
   */
  captureAWSv3Client<T>(service: T): T {
    return this.tracingEnabled ? instrumentAwsClient(service as T & AwsClientLike) : service;
  }

  /**
   * AWS SDK v2 is not traced: the SDK is returned as it is.
   *
   * @example
   * ```typescript
   * const AWS = tracer.captureAWS(require('aws-sdk'));
   * ```
   */
  captureAWS<T>(aws: T): T {
    return aws;
  }

  /**
   * AWS SDK v2 is not traced: the client is returned as it is.
   *
   * @example
   * ```typescript
   * const s3 = tracer.captureAWSClient(new S3());
   * ```
   */
  captureAWSClient<T>(service: T): T {
    return service;
  }

  /**
   * There is no X-Ray segment under hoptrace: always undefined, so Powertools' documented
   * escape hatch (`if (segment) …`) skips itself. Use the OpenTelemetry API for spans by hand.
   *
   * @example
   * ```typescript
   * const segment = tracer.getSegment(); // undefined
   * if (segment) segment.addNewSubsegment('never');
   * ```
   */
  getSegment(): undefined {
    return undefined;
  }

  /**
   * Does nothing (see `getSegment`).
   *
   * @example
   * ```typescript
   * tracer.setSegment(segment);
   * ```
   */
  setSegment(_segment: unknown): void {}

  /**
   * The class method handler decorator: each call is a traced invocation, exported as any
   * `withTracing` handler's, with the ColdStart and Service annotations and the response.
   *
   * @example
   * ```typescript
   * class Lambda {
   *   @tracer.captureLambdaHandler()
   *   async handler(event: unknown, context: unknown) {
   *     return { ok: true };
   *   }
   * }
   * const handlerClass = new Lambda();
   * export const handler = handlerClass.handler.bind(handlerClass);
   * ```
   */
  captureLambdaHandler(options?: CaptureLambdaHandlerOptions): MethodDecorator {
    return methodDecorator((method) => {
      if (!this.tracingEnabled) return method;
      const tracer = this;
      return withTracing(async function handlerCall(this: unknown, ...args: unknown[]) {
        tracer.annotateHandler();
        const result: unknown = await method.apply(this, args);
        if (options?.captureResponse ?? true) tracer.addResponseAsMetadata(result, tracer.env.handler);
        return result;
      }, this.wrapperOptions) as AnyMethod;
    });
  }

  /**
   * The method decorator: a child span `### <method>` (or `subSegmentName`) per call, with
   * the response as metadata and an error recorded; as Powertools', the method then returns a
   * promise.
   *
   * @example
   * ```typescript
   * class Bookings {
   *   @tracer.captureMethod()
   *   async confirm(id: string) {
   *     return { id, confirmed: true };
   *   }
   * }
   * ```
   */
  captureMethod(options?: CaptureMethodOptions): MethodDecorator {
    return methodDecorator((method, name) => {
      if (!this.tracingEnabled) return method;
      const tracer = this;
      const spanName = options?.subSegmentName || `### ${name}`;
      return function tracedMethod(this: unknown, ...args: unknown[]): Promise<unknown> {
        return tracer.otel.startActiveSpan(spanName, async (span) => {
          try {
            const result: unknown = await method.apply(this, args);
            if (options?.captureResponse ?? true) tracer.addResponseAsMetadata(result, name);
            return result;
          } catch (error) {
            markError(span, error, tracer.captureError);
            throw error;
          } finally {
            span.end();
          }
        });
      };
    });
  }

  /**
   * The middy middleware: hoptrace's `tracing()` with the annotations and the response. Use it first.
   *
   * @example
   * ```typescript
   * export const handler = middy(handle).use(tracer.middleware());
   * ```
   */
  middleware(options?: CaptureLambdaHandlerOptions): MiddyMiddleware {
    if (!this.tracingEnabled)
      return { before: () => undefined, after: async () => undefined, onError: async () => undefined };
    const base = tracing(this.wrapperOptions);
    return {
      // hoptrace's own, uncalled through: it tells whether it runs first from its stack frames.
      before: base.before,
      after: async (request) => {
        this.annotateHandler();
        if (options?.captureResponse ?? true) this.addResponseAsMetadata(request.response, this.env.handler);
        await base.after(request);
      },
      onError: async (request) => {
        this.annotateHandler();
        await base.onError(request);
      },
    };
  }

  private annotateHandler(): void {
    this.annotateColdStart();
    this.addServiceNameAnnotation();
  }
}

function markError(span: Span, error: unknown, withDetails: boolean): void {
  if (withDetails) span.recordException(error as Error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    ...(withDetails && error instanceof Error ? { message: error.message } : {}),
  });
}
