import { SpanStatusCode, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { instrumentAwsClient, tracing, withTracing, type AwsClientLike, type MiddyMiddleware, type TracingOptions } from '../index';
import { annotationKey, metadataKey, metadataValue } from './attributes';
import { methodDecorator, type AnyMethod, type MethodDecorator } from './decorators';
import { readPowertoolsEnv, type PowertoolsEnv } from './env';

/** Powertools Tracer's constructor options. */
export interface TracerOptions {
  /** `false` turns tracing off (so does `POWERTOOLS_TRACE_ENABLED=false`). */
  enabled?: boolean;
  /** The `Service` annotation and metadata namespace; hoptrace's `service.name` too. Env: `POWERTOOLS_SERVICE_NAME`. */
  serviceName?: string;
  /** Accepted for compatibility: hoptrace traces outgoing HTTP in every wrapped handler (`OTEL_NODE_DISABLED_INSTRUMENTATIONS` turns it off). */
  captureHTTPsRequests?: boolean;
  /** Accepted for compatibility and not read: configure with the environment. */
  customConfigService?: unknown;
}

export interface CaptureLambdaHandlerOptions {
  /** `false` keeps the handler's result out of the metadata. Default true. */
  captureResponse?: boolean;
}

export interface CaptureMethodOptions {
  /** The span's name; default `### <method name>`. */
  subSegmentName?: string;
  /** `false` keeps the method's result out of the metadata. Default true. */
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
 * import { Tracer } from 'hoptrace/powertools';
 * const tracer = new Tracer({ serviceName: 'serverlessAirline' });
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

  isTracingEnabled(): boolean {
    return this.tracingEnabled;
  }

  /** Whether the active trace is sampled (recorded and exported). */
  isTraceSampled(): boolean {
    if (!this.tracingEnabled) return false;
    const span = trace.getActiveSpan()?.spanContext();
    return span !== undefined && (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  }

  /**
   * The active trace's id in X-Ray's form (`1-<8 hex>-<24 hex>`): the same trace hoptrace
   * exports. Outside a trace, the root of Lambda's `_X_AMZN_TRACE_ID`, as Powertools reads it.
   */
  getRootXrayTraceId(): string | undefined {
    const span = trace.getActiveSpan()?.spanContext();
    if (span && trace.isSpanContextValid(span)) return `1-${span.traceId.slice(0, 8)}-${span.traceId.slice(8)}`;
    return /(?:^|;)\s*Root=([^;]+)/.exec(process.env._X_AMZN_TRACE_ID ?? '')?.[1];
  }

  /** Sets `xray.annotation.<key>` on the active span. */
  putAnnotation(key: string, value: string | number | boolean): void {
    if (this.tracingEnabled) trace.getActiveSpan()?.setAttribute(annotationKey(key), value);
  }

  /** Sets `xray.metadata.<namespace>.<key>` on the active span; objects as their JSON text. */
  putMetadata(key: string, value: unknown, namespace?: string): void {
    if (!this.tracingEnabled) return;
    const attribute = metadataValue(value);
    if (attribute !== undefined) trace.getActiveSpan()?.setAttribute(metadataKey(namespace || this.serviceName, key), attribute);
  }

  /** `xray.annotation.Service`: the service name. */
  addServiceNameAnnotation(): void {
    this.putAnnotation('Service', this.serviceName);
  }

  /** `xray.annotation.ColdStart`: true in the first invocation of an on-demand sandbox only. */
  annotateColdStart(): void {
    if (!this.tracingEnabled) return;
    this.putAnnotation('ColdStart', this.coldStart);
    this.coldStart = false;
  }

  /** `<methodName> response` metadata, unless `POWERTOOLS_TRACER_CAPTURE_RESPONSE=false`. */
  addResponseAsMetadata(data?: unknown, methodName?: string): void {
    if (data === undefined || !this.captureResponse) return;
    this.putMetadata(`${methodName} response`, data);
  }

  /**
   * The error on the active span: an `exception` event and status ERROR, or with
   * `POWERTOOLS_TRACER_CAPTURE_ERROR=false` the status alone. `remote` (the error came from a
   * call the function made) is `xray.exception.remote`.
   */
  addErrorAsMetadata(error: Error, remote?: boolean): void {
    if (!this.tracingEnabled) return;
    const span = trace.getActiveSpan();
    if (!span) return;
    markError(span, error, this.captureError);
    if (remote) span.setAttribute('xray.exception.remote', true);
  }

  /** The client's calls become spans, as `instrumentAwsClient` makes them. */
  captureAWSv3Client<T>(service: T): T {
    return this.tracingEnabled ? instrumentAwsClient(service as T & AwsClientLike) : service;
  }

  /** AWS SDK v2 is not traced: the SDK is returned as it is. */
  captureAWS<T>(aws: T): T {
    return aws;
  }

  /** AWS SDK v2 is not traced: the client is returned as it is. */
  captureAWSClient<T>(service: T): T {
    return service;
  }

  /**
   * There is no X-Ray segment under hoptrace: always undefined, so Powertools' documented
   * escape hatch (`if (segment) …`) skips itself. Use the OpenTelemetry API for spans by hand.
   */
  getSegment(): undefined {
    return undefined;
  }

  /** Does nothing (see `getSegment`). */
  setSegment(_segment: unknown): void {}

  /**
   * The class method handler decorator: each call is a traced invocation, exported as any
   * `withTracing` handler's, with the ColdStart and Service annotations and the response.
   *
   * @example
   * class Lambda { @tracer.captureLambdaHandler() async handler(event, context) { … } }
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

  /** The middy middleware's parts: hoptrace's `tracing()` with the annotations and the response. */
  middleware(options?: CaptureLambdaHandlerOptions): MiddyMiddleware {
    if (!this.tracingEnabled) return { before: () => undefined, after: async () => undefined, onError: async () => undefined };
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
  span.setStatus({ code: SpanStatusCode.ERROR, ...(withDetails && error instanceof Error ? { message: error.message } : {}) });
}
