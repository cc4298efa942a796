import type { HttpError } from './http-error';
import type { OtlpFormat } from './request';

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  /** Set for protobuf answers: a proxy integration must carry binary bodies as base64. */
  isBase64Encoded?: boolean;
}

// google.rpc.Status codes, as OTLP/HTTP asks for in error bodies.
const RPC_CODES: Record<number, number> = { 400: 3, 401: 16, 405: 12, 413: 8, 415: 3, 500: 13, 503: 14 };

/** A protobuf varint field tag and value, for the two small messages the ingest answers with. */
export function varint(value: number): number[] {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

function stringField(field: number, value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(bytes.length)]), bytes]);
}

const varintField = (field: number, value: number): Buffer => Buffer.from([field << 3, ...varint(value)]);

function respond(
  format: OtlpFormat,
  statusCode: number,
  json: unknown,
  protobuf: Buffer,
  headers: Record<string, string> = {},
): HttpResponse {
  if (format === 'json')
    return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json) };
  return {
    statusCode,
    headers: { 'content-type': 'application/x-protobuf', ...headers },
    body: protobuf.toString('base64'),
    isBase64Encoded: true,
  };
}

/** An `ExportTraceServiceResponse`, with partial success when some spans were rejected. */
export function exportResponse(format: OtlpFormat, rejected: number, reasons: string[]): HttpResponse {
  if (rejected === 0) return respond(format, 200, {}, Buffer.alloc(0));
  const errorMessage = `${rejected} span(s) rejected: ${reasons.join('; ')}`;
  // ExportTracePartialSuccess: rejected_spans = 1 (int64), error_message = 2.
  const partial = Buffer.concat([varintField(1, rejected), stringField(2, errorMessage)]);
  const protobuf = Buffer.concat([Buffer.from([(1 << 3) | 2, ...varint(partial.length)]), partial]);
  return respond(format, 200, { partialSuccess: { rejectedSpans: String(rejected), errorMessage } }, protobuf);
}

/** A `google.rpc.Status` error body (code = 1, message = 2) in the request's encoding. */
export function errorResponse(format: OtlpFormat, error: HttpError): HttpResponse {
  const code = RPC_CODES[error.status] ?? 2;
  return respond(
    format,
    error.status,
    { code, message: error.message },
    Buffer.concat([varintField(1, code), stringField(2, error.message)]),
    error.headers,
  );
}
