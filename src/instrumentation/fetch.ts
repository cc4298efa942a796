import { subscribe } from 'node:diagnostics_channel';
import type { Span } from '@opentelemetry/api';
import {
  injectTraceHeaders,
  recordHttpError,
  recordHttpStatus,
  startHttpSpan,
  type OutgoingRequest,
} from './http-span';

/** The parts of undici's request object its diagnostics channels hand out. */
interface UndiciRequest {
  method: string;
  origin: string;
  path: string;
  headers: string[] | string;
  addHeader(name: string, value: string): unknown;
}

function headerOf(headers: string[] | string, name: string): string | undefined {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) if (headers[i]!.toLowerCase() === name) return headers[i + 1];
    return undefined;
  }
  const line = headers.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

const spans = new WeakMap<UndiciRequest, Span>();

function onCreate(message: unknown): void {
  const { request } = message as { request: UndiciRequest };
  try {
    const url = new URL(request.origin);
    const outgoing: OutgoingRequest = {
      method: request.method,
      protocol: url.protocol,
      host: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: request.path,
      header: (name) => headerOf(request.headers, name),
      setHeader: (name, value) => request.addHeader(name, value),
    };
    const span = startHttpSpan(outgoing);
    if (!span) return;
    injectTraceHeaders(outgoing, span);
    spans.set(request, span);
  } catch {
    // A request we cannot read is sent untraced, never failed.
  }
}

function onHeaders(message: unknown): void {
  const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
  const span = spans.get(request);
  if (span) recordHttpStatus(span, response.statusCode);
}

function onTrailers(message: unknown): void {
  const { request } = message as { request: UndiciRequest };
  spans.get(request)?.end();
  spans.delete(request);
}

function onError(message: unknown): void {
  const { request, error } = message as { request: UndiciRequest; error: unknown };
  const span = spans.get(request);
  if (!span) return;
  recordHttpError(span, error);
  span.end();
  spans.delete(request);
}

/**
 * Traces global `fetch` (undici) through its diagnostics channels: nothing is patched, and
 * nothing is loaded until the application itself uses fetch.
 */
export function instrumentFetch(): void {
  subscribe('undici:request:create', onCreate);
  subscribe('undici:request:headers', onHeaders);
  subscribe('undici:request:trailers', onTrailers);
  subscribe('undici:request:error', onError);
}
