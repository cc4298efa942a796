import { HttpError } from './http-error';

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

// google.rpc.Status codes, as OTLP/HTTP asks for in error bodies.
const RPC_CODES: Record<number, number> = { 400: 3, 401: 16, 405: 12, 413: 8, 415: 3, 500: 13, 503: 14 };

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** An `ExportTraceServiceResponse`, with partial success when some spans were rejected. */
export function exportResponse(rejected: number, reasons: string[]): HttpResponse {
  if (rejected === 0) return json(200, {});
  return json(200, { partialSuccess: { rejectedSpans: String(rejected), errorMessage: `${rejected} span(s) rejected: ${reasons.join('; ')}` } });
}

export function errorResponse(error: HttpError): HttpResponse {
  return json(error.status, { code: RPC_CODES[error.status] ?? 2, message: error.message }, error.headers);
}
