import { gunzipSync } from 'node:zlib';
import { HttpError } from './http-error';

/** The parts of an API Gateway HTTP API or Function URL event (payload 2.0) the ingest reads. */
export interface HttpEvent {
  requestContext?: { http?: { method?: string; path?: string } };
  rawPath?: string;
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface IngestRequest {
  method: string;
  headers: Record<string, string>;
  /** The OTLP JSON text, decoded and inflated. */
  json: string;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export function lowerCaseHeaders(headers: HttpEvent['headers']): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(headers ?? {})) if (typeof value === 'string') out[key.toLowerCase()] = value;
  return out;
}

function inflate(raw: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new HttpError(413, `the gzip body inflates past the limit of ${maxBytes} bytes`);
    }
    throw new HttpError(400, `the body is not valid gzip: ${(error as Error).message}`);
  }
}

/**
 * Checks method, content type and size, and yields the OTLP JSON text. A gzip body must
 * reach the function base64-encoded; one that a gateway decoded as UTF-8 text (which
 * serverless-offline does for application/json, and HTTP APIs may do too) has lost bytes
 * and is refused with 415, which hoptrace's exporter answers by resending uncompressed.
 */
export function decodeRequest(event: HttpEvent, maxBodyBytes: number, headers = lowerCaseHeaders(event.headers)): IngestRequest {
  const method = (event.requestContext?.http?.method ?? 'POST').toUpperCase();
  if (method !== 'POST') throw new HttpError(405, `method ${method} is not allowed; POST OTLP/HTTP JSON to /v1/traces`, { allow: 'POST' });
  const contentType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/json') {
    throw new HttpError(415, `content type "${contentType || '(none)'}" is not supported; send OTLP/HTTP JSON as application/json`);
  }
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'gzip' && encoding !== 'identity') throw new HttpError(415, `content encoding "${encoding}" is not supported; use gzip or none`);
  const body = event.body ?? '';
  const checkSize = (bytes: number): void => {
    if (bytes > maxBodyBytes) throw new HttpError(413, `the body is larger than the limit of ${maxBodyBytes} bytes`);
  };
  // A base64 string is 4/3 of its bytes: check before decoding so a huge body costs nothing.
  checkSize(event.isBase64Encoded ? (body.length * 3) / 4 : body.length);
  // A text body is already the JSON: only its byte size is needed, not a copy of it.
  if (!event.isBase64Encoded && encoding === 'identity') {
    checkSize(Buffer.byteLength(body));
    return { method, headers, json: body };
  }
  const raw = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  checkSize(raw.length);
  if (encoding === 'gzip') {
    if (raw[0] === GZIP_MAGIC_0 && raw[1] === GZIP_MAGIC_1) return { method, headers, json: inflate(raw, maxBodyBytes).toString('utf8') };
    if (!event.isBase64Encoded && body.startsWith('\u001f\ufffd')) {
      throw new HttpError(
        415,
        'the gzip body reached the function decoded as UTF-8 text (isBase64Encoded=false), so its bytes are lost; ' +
          'the gateway in front of the ingest does not pass binary bodies through (serverless-offline never does for application/json): send it uncompressed',
      );
    }
    // A gateway that inflates gzip itself (API Gateway REST with compression on) passes the JSON on.
    if (raw[0] !== 0x7b) throw new HttpError(400, 'Content-Encoding is gzip but the body is neither gzip nor JSON');
  }
  return { method, headers, json: raw.toString('utf8') };
}
