import type http from 'node:http';
import { awakeMs } from '../lambda/awake-clock';

const MAX_RESPONSE_BYTES = 64 * 1024;

export interface TransportResponse {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

export class TransportTimeoutError extends Error {
  override readonly name = 'TransportTimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`export timed out after ${Math.round(ms)} ms`);
  }
}

interface Client {
  /** The endpoint as request options, converted once rather than on every request. */
  target: http.RequestOptions;
  request: typeof http.request;
  agent: http.Agent;
  gzip: ((body: string) => Promise<Buffer>) | undefined;
}

const SCHEME = /^(https?):\/\/[^/\s]/i;

/**
 * POSTs bodies to one OTLP/HTTP endpoint over a kept-alive connection. Node's http, https
 * and zlib modules cost ~5 ms to load, more than the rest of hoptrace: they are loaded on
 * first use, or ahead of it by `warm()` while the handler runs, never at init.
 */
export class HttpTransport {
  private readonly secure: boolean;
  private client: Promise<Client> | undefined;

  /** Checks the scheme only: the first `new URL` costs 0.3 ms, paid when the client loads. */
  constructor(
    private readonly endpoint: string,
    private readonly headers: Record<string, string>,
    private compression: 'gzip' | 'none',
  ) {
    const scheme = SCHEME.exec(endpoint)?.[1]?.toLowerCase();
    if (!scheme) throw new Error(`an endpoint must be an http:// or https:// URL, not "${endpoint}"`);
    // Refused here, once: a URL that fails only when the client loads would fail every send.
    if (!URL.canParse(endpoint)) throw new Error(`"${endpoint}" is not a valid URL`);
    this.secure = scheme === 'https';
  }

  /** Starts loading the HTTP client once the current work yields, so it overlaps the handler's I/O. */
  warm(): void {
    if (this.client) return;
    this.client = new Promise((resolve) => setImmediate(resolve)).then(() => this.load());
    this.client.catch(() => undefined);
  }

  /** Sends uncompressed from now on; true when it was compressing. */
  stopCompressing(): boolean {
    const was = this.compression === 'gzip';
    this.compression = 'none';
    return was;
  }

  /**
   * `timeoutMs` counts awake time (a freeze does not use it up). An `unref` send does not keep
   * the event loop alive (a callback handler's answer waits for an empty loop).
   */
  async send(json: string, timeoutMs: number, unref = false): Promise<TransportResponse> {
    this.client ??= this.load();
    const client = await this.client;
    const gzip = this.compression === 'gzip' ? client.gzip : undefined;
    const payload = gzip ? await gzip(json) : Buffer.from(json);
    return new Promise<TransportResponse>((resolve, reject) => {
      const req = client.request({
        ...client.target,
        method: 'POST',
        agent: client.agent,
        headers: {
          ...this.headers,
          'content-type': 'application/json',
          'content-length': payload.length,
          ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        },
      });
      const started = awakeMs();
      let timer: NodeJS.Timeout;
      // Re-armed for what is left when it fires early by the awake clock: at a thaw, timers
      // fire before the answer that came during the freeze is read.
      const arm = (ms: number): void => {
        timer = setTimeout(
          () => {
            const left = timeoutMs - (awakeMs() - started);
            if (left >= 1) arm(left);
            else req.destroy(new TransportTimeoutError(timeoutMs));
          },
          Math.max(1, ms),
        );
        if (unref) timer.unref();
      };
      arm(timeoutMs);
      if (unref) req.on('socket', (socket) => socket.unref());
      const fail = (error: Error): void => {
        clearTimeout(timer);
        reject(error);
      };
      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) fail(Object.assign(new Error('connection closed mid-response'), { code: 'ECONNRESET' }));
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

  private async load(): Promise<Client> {
    const { urlToHttpOptions } = await import('node:url');
    const target = urlToHttpOptions(new URL(this.endpoint));
    const mod = this.secure ? await import('node:https') : await import('node:http');
    const agent = new mod.Agent({ keepAlive: true, maxSockets: 4 });
    let gzip: Client['gzip'];
    if (this.compression === 'gzip') {
      const zlib = await import('node:zlib');
      const { promisify } = await import('node:util');
      gzip = promisify(zlib.gzip) as (body: string) => Promise<Buffer>;
    }
    return { target, request: mod.request as typeof http.request, agent, gzip };
  }
}
