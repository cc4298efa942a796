import http from 'node:http';
import https from 'node:https';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';

const gzipAsync = promisify(gzip);

// Captured at load, before any instrumentation patches them: exports are never traced.
const httpRequest = http.request;
const httpsRequest = https.request;

const MAX_RESPONSE_BYTES = 64 * 1024;

export interface TransportResponse {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

export class TransportTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`export timed out after ${Math.round(ms)} ms`);
  }
}

/** POSTs bodies to one OTLP/HTTP endpoint over a kept-alive connection. */
export class HttpTransport {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  constructor(
    endpoint: string,
    private readonly headers: Record<string, string>,
    private readonly compression: 'gzip' | 'none',
  ) {
    this.url = new URL(endpoint);
    const secure = this.url.protocol === 'https:';
    if (!secure && this.url.protocol !== 'http:') throw new Error(`unsupported protocol in endpoint ${endpoint}`);
    const agentOptions = { keepAlive: true, maxSockets: 4 };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.request = secure ? httpsRequest : httpRequest;
  }

  async send(json: string, timeoutMs: number): Promise<TransportResponse> {
    const payload = this.compression === 'gzip' ? await gzipAsync(json) : Buffer.from(json);
    return new Promise<TransportResponse>((resolve, reject) => {
      const req = this.request(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: {
          ...this.headers,
          'content-type': 'application/json',
          'content-length': payload.length,
          ...(this.compression === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
        },
      });
      const timer = setTimeout(() => req.destroy(new TransportTimeoutError(timeoutMs)), Math.max(1, timeoutMs));
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        res.on('close', () => {
          if (res.complete) return;
          clearTimeout(timer);
          reject(Object.assign(new Error('connection closed mid-response'), { code: 'ECONNRESET' }));
        });
        res.on('end', () => {
          clearTimeout(timer);
          const retryAfter = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            body: Buffer.concat(chunks).toString('utf8', 0, MAX_RESPONSE_BYTES),
          });
        });
      });
      req.end(payload);
    });
  }
}
