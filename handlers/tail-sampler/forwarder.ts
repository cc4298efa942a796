import { gzipSync } from 'node:zlib';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { encodeExportRequestProtobuf } from '../../src/otlp/protobuf-encode';
import type { OtlpExportRequest } from '../../src/otlp/types';
import type { ForwardSettings } from './config';

/** Sends one OTLP export request to the backend; resolves once the backend accepted it. */
export type Forward = (request: OtlpExportRequest) => Promise<void>;

export class ForwardError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

type Sign = (url: URL, headers: Record<string, string>, body: Buffer) => Promise<Record<string, string>>;

/** SigV4 with the function's own credentials, as the AWS SDK signs its requests. */
function sigv4Signer(service: string, region: string): Sign {
  const signer = new SignatureV4({ service, region, credentials: defaultProvider(), sha256: Hash.bind(null, 'sha256') });
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
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new ForwardError(`POST ${url.origin}${url.pathname} failed: ${(error as Error).message}${cause ? ` (${cause})` : ''}`);
    }
    const text = await response.text();
    if (!response.ok) throw new ForwardError(`POST ${url.origin}${url.pathname} answered ${response.status}: ${text.slice(0, 200)}`, response.status);
  };
}
