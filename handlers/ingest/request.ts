import { gunzipSync } from 'node:zlib';
import { HttpError } from './http-error';

/**
 * The parts of a Lambda proxy event the ingest reads: API Gateway REST API (payload 1.0,
 * `httpMethod`), or HTTP API and Function URL (payload 2.0, `requestContext.http.method`).
 */
export interface HttpEvent {
  httpMethod?: string;
  /** `requestTimeEpoch`: when API Gateway (REST API) received the request, in ms. */
  requestContext?: { http?: { method?: string; path?: string }; requestTimeEpoch?: number };
  rawPath?: string;
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** The two OTLP/HTTP encodings; the answer uses the request's. */
export type OtlpFormat = 'json' | 'protobuf';

/** The request body, decoded and inflated: JSON text, or protobuf bytes. */
export type OtlpBody = { format: 'json'; text: string } | { format: 'protobuf'; bytes: Buffer };

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const FORMATS: Record<string, OtlpFormat> = { 'application/json': 'json', 'application/x-protobuf': 'protobuf' };

export function lowerCaseHeaders(headers: HttpEvent['headers']): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(headers ?? {}))
    if (typeof value === 'string') out[key.toLowerCase()] = value;
  return out;
}

/** The encoding the content type names, or undefined for any other content type. */
export function formatOf(headers: Record<string, string>): OtlpFormat | undefined {
  return FORMATS[(headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()];
}

function inflate(raw: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new HttpError(413, `the gzip body inflates past the limit of ${maxBytes} bytes`, {}, { cause: error });
    }
    throw new HttpError(400, `the body is not valid gzip: ${(error as Error).message}`, {}, { cause: error });
  }
}

function body(format: OtlpFormat, raw: Buffer): OtlpBody {
  return format === 'json' ? { format, text: raw.toString('utf8') } : { format, bytes: raw };
}

/**
 * Checks method, content type and size, and yields the body, inflated. Binary bodies (gzip,
 * protobuf) must reach the function base64-encoded, as the REST API in front of the ingest
 * delivers every body (it treats every content type as binary). A gzip body that a gateway
 * decoded as UTF-8 text has lost bytes: it is refused with 415, which hoptrace's exporter
 * answers by resending uncompressed.
 */
export function decodeRequest(event: HttpEvent, maxBodyBytes: number, headers: Record<string, string>): OtlpBody {
  const method = (event.httpMethod ?? event.requestContext?.http?.method ?? 'POST').toUpperCase();
  if (method !== 'POST')
    throw new HttpError(405, `method ${method} is not allowed; POST OTLP/HTTP to /v1/traces`, { allow: 'POST' });
  const format = formatOf(headers);
  if (format === undefined) {
    const contentType = headers['content-type']?.trim();
    throw new HttpError(
      415,
      `content type "${contentType || '(none)'}" is not supported; send OTLP/HTTP as application/x-protobuf or application/json`,
    );
  }
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'gzip' && encoding !== 'identity')
    throw new HttpError(415, `content encoding "${encoding}" is not supported; use gzip or none`);
  const text = event.body ?? '';
  const checkSize = (bytes: number): void => {
    if (bytes > maxBodyBytes) throw new HttpError(413, `the body is larger than the limit of ${maxBodyBytes} bytes`);
  };
  // A base64 string is 4/3 of its bytes: check before decoding so a huge body costs nothing.
  checkSize(event.isBase64Encoded ? (text.length * 3) / 4 : text.length);
  // A JSON text body is already the JSON: only its byte size is needed, not a copy of it.
  if (!event.isBase64Encoded && encoding === 'identity' && format === 'json') {
    checkSize(Buffer.byteLength(text));
    return { format, text };
  }
  const raw = event.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  checkSize(raw.length);
  if (encoding === 'identity') return body(format, raw);
  if (raw[0] === GZIP_MAGIC_0 && raw[1] === GZIP_MAGIC_1) return body(format, inflate(raw, maxBodyBytes));
  if (!event.isBase64Encoded && text.startsWith('\u001f\ufffd')) {
    throw new HttpError(
      415,
      'the gzip body reached the function decoded as UTF-8 text (isBase64Encoded=false), so its bytes are lost; ' +
        'the gateway in front of the ingest does not pass binary bodies through: deploy the REST API of serverless.yml, or send uncompressed',
    );
  }
  // A REST API inflates a gzip request itself and passes the body on under the same header.
  // Neither a JSON object nor an ExportTraceServiceRequest (field 1, length-delimited) starts
  // with the gzip magic, so the two cases cannot be confused.
  if (format === 'json' && raw[0] !== 0x7b)
    throw new HttpError(400, 'Content-Encoding is gzip but the body is neither gzip nor JSON');
  return body(format, raw);
}
