import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '../tracer/suppress';
import { VERSION } from '../version';

export interface OutgoingRequest {
  method: string;
  protocol: string;
  host: string;
  port: number | undefined;
  path: string;
  /** A header of the request as it stands, any case. */
  header(name: string): string | undefined;
  setHeader(name: string, value: string): void;
}

// A proxy of the global API: it follows whichever provider is registered, looked up once.
// Pure, so a bundle that never uses this module can still drop it.
const tracer = /* @__PURE__ */ trace.getTracer('hoptrace', VERSION);

// The Lambda Runtime and Extensions API (host:port): the runtime client's and hoptrace/lambda's
// own calls, not the function's hops. Node 22+ reports them through the diagnostics channels
// whatever function made them.
const RUNTIME_API = process.env.AWS_LAMBDA_RUNTIME_API;

/**
 * Starts the CLIENT span of an outgoing request. Skips requests made while tracing is
 * suppressed (hoptrace's exports, AWS calls traced by `instrumentAwsClient`), ones that
 * already carry a `traceparent`, and calls to the Lambda Runtime API.
 */
export function startHttpSpan(request: OutgoingRequest): Span | undefined {
  const ctx: Context = context.active();
  if (isTracingSuppressed(ctx) || request.header('traceparent') !== undefined) return undefined;
  const method = request.method.toUpperCase();
  const query = request.path.indexOf('?');
  const path = query < 0 ? request.path : request.path.slice(0, query);
  const defaultPort = request.protocol === 'https:' ? 443 : 80;
  const port = request.port ?? defaultPort;
  if (RUNTIME_API !== undefined && `${request.host}:${port}` === RUNTIME_API) return undefined;
  const attributes: Attributes = {
    'http.request.method': method,
    'server.address': request.host,
    'server.port': port,
    // The query string is left out: it is where secrets in URLs usually live.
    'url.full': `${request.protocol}//${request.host}${port === defaultPort ? '' : `:${port}`}${path}`,
  };
  return tracer.startSpan(method, { kind: SpanKind.CLIENT, attributes }, ctx);
}

/** Adds the trace context headers of `span` to the request, unless it is signed with SigV4 (a new header would break the signature). */
export function injectTraceHeaders(request: OutgoingRequest, span: Span): void {
  // Written here, not as a module constant: created when first used, not at init.
  const signed =
    /^AWS4-HMAC-SHA256/.test(request.header('authorization') ?? '') || request.path.includes('X-Amz-Signature=');
  if (!signed)
    propagation.inject(trace.setSpan(context.active(), span), request, {
      set: (r, key, value) => r.setHeader(key, value),
    });
}

/** Client spans: a 4xx or 5xx response is an error. */
export function recordHttpStatus(span: Span, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 400) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

export function recordHttpError(span: Span, error: unknown): void {
  span.recordException(error as Error);
  span.setAttribute(
    'error.type',
    (error as { code?: string } | null)?.code ?? (error instanceof Error ? error.name : 'error'),
  );
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
