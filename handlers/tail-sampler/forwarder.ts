import { gzipSync } from 'node:zlib';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { encodeExportRequestProtobuf } from '../../src/otlp/protobuf-encode';
import type { OtlpExportRequest } from '../../src/otlp/types';
import type { ForwardSettings } from './config';

/** Sends one OTLP export request to the backend; resolves once the backend accepted it. */
export type Forward = (request: OtlpExportRequest) => Promise<void>;

// OTLP/HTTP's "Failures": only these answers may be retried; any other 4xx or 5xx is final.
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/** Whether the backend may take the same request later: a retryable status, or no answer at all. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || RETRYABLE_STATUSES.has(status);
}

/** `Retry-After` as a delay in ms: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What a failed forward learnt: the backend's answer, or the network error (as `cause`). */
export interface ForwardFailure extends ErrorOptions {
  /** The backend's status; undefined when it did not answer. */
  status?: number;
  /** What the backend's `Retry-After` asked for. */
  retryAfterMs?: number;
}

export class ForwardError extends Error {
  override readonly name = 'ForwardError';
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** The backend may accept the same request later (OTLP's retryable answers, network errors). */
  readonly retryable: boolean;

  constructor(message: string, failure: ForwardFailure = {}) {
    super(message, failure);
    this.status = failure.status;
    this.retryAfterMs = failure.retryAfterMs;
    this.retryable = isRetryableStatus(failure.status);
  }
}

type Sign = (url: URL, headers: Record<string, string>, body: Buffer) => Promise<Record<string, string>>;

/** SigV4 with the function's own credentials, as the AWS SDK signs its requests. */
function sigv4Signer(service: string, region: string): Sign {
  const signer = new SignatureV4({
    service,
    region,
    credentials: defaultProvider(),
    sha256: Hash.bind(null, 'sha256'),
  });
  return async (url, headers, body) => {
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      body,
    });
    return signed.headers;
  };
}

/** OTLP/HTTP to any backend: its endpoint, its headers, JSON or protobuf, gzip or not, SigV4 if asked. */
export function httpForwarder(settings: ForwardSettings): Forward {
  const url = new URL(settings.endpoint);
  const sign = settings.sigv4Service ? sigv4Signer(settings.sigv4Service, settings.region) : undefined;
  return async (request) => {
    const encoded = settings.protobuf ? encodeExportRequestProtobuf(request) : Buffer.from(JSON.stringify(request));
    const body = settings.gzip ? gzipSync(encoded) : encoded;
    let headers: Record<string, string> = {
      ...settings.headers,
      'content-type': settings.protobuf ? 'application/x-protobuf' : 'application/json',
      ...(settings.gzip ? { 'content-encoding': 'gzip' } : {}),
    };
    if (sign) headers = await sign(url, headers, body);
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(settings.timeoutMs) });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      const reason = `${(error as Error).message}${code ? ` (${code})` : ''}`;
      throw new ForwardError(`POST ${url.origin}${url.pathname} failed: ${reason}`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      const failure = { status: response.status, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
      const answered = `answered ${response.status}: ${text.slice(0, 200)}`;
      throw new ForwardError(`POST ${url.origin}${url.pathname} ${answered}`, failure);
    }
  };
}
