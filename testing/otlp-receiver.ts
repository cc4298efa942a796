import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

import type { OtlpKeyValue, OtlpSpan } from '../src/otlp/types';

export type { OtlpSpan };

export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: {
    resourceSpans: Array<{
      resource: { attributes: OtlpKeyValue[] };
      scopeSpans: Array<{ scope: { name: string; version?: string }; spans: OtlpSpan[] }>;
    }>;
  };
  bytes: number;
  remotePort: number | undefined;
  /** `performance.now()` when the request arrived: ordered against other servers in this process. */
  at: number;
}

/** What the receiver does with the next request; the default answers 200. */
/** A backend's rule on what it is sent (its size limit, content it refuses): the status to answer, or undefined to go on. */
export type Refusal = (body: ReceivedRequest['body'], bytes: number) => number | undefined;

export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'hang' }
  | { kind: 'slow'; ms: number }
  | { kind: 'reset-mid-body' };

/** A real OTLP/HTTP JSON endpoint on loopback that records what it is sent. */
export class OtlpReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** Every request that reached the receiver, whatever it answered. */
  attempts = 0;
  private readonly queue: Behaviour[] = [];
  private fallback: Behaviour = { kind: 'ok' };
  private refusal: Refusal | undefined;
  private readonly server: http.Server;
  /** Requests left hanging, and how to answer each (200, recorded) on `release`. */
  private readonly hanging = new Map<http.ServerResponse, () => void>();

  private constructor() {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
  }

  /** On a free port, or on `port` (to bring an endpoint back where it was). */
  static async start(port = 0): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/traces`;
  }

  /** Behaviours for the next requests, in order; then `always`. */
  next(...behaviours: Behaviour[]): this {
    this.queue.push(...behaviours);
    return this;
  }

  /** Checked on every request before the behaviours. */
  refuseWhen(refusal: Refusal | undefined): this {
    this.refusal = refusal;
    return this;
  }

  always(behaviour: Behaviour): this {
    this.fallback = behaviour;
    return this;
  }

  /** Hanging requests whose sender still waits for the answer. */
  get held(): number {
    return this.hanging.size;
  }

  /** Answers every hanging request at last (200, recorded). */
  release(): void {
    for (const answer of [...this.hanging.values()]) answer();
  }

  spans(): OtlpSpan[] {
    return this.requests.flatMap((r) => r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
  }

  reset(): void {
    this.requests.length = 0;
    this.attempts = 0;
    this.queue.length = 0;
    this.fallback = { kind: 'ok' };
    this.refusal = undefined;
  }

  async close(): Promise<void> {
    for (const res of this.hanging.keys()) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.attempts++;
      const behaviour = this.queue.shift() ?? this.fallback;
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      const refused = this.refusal?.(JSON.parse(raw.toString('utf8')) as ReceivedRequest['body'], raw.length);
      if (refused !== undefined) {
        res.writeHead(refused, { 'content-type': 'application/json' }).end('{"code":3,"message":"refused"}');
        return;
      }
      const record = (): void => {
        this.requests.push({
          headers: req.headers,
          body: JSON.parse(raw.toString('utf8')) as ReceivedRequest['body'],
          bytes: raw.length,
          remotePort: req.socket.remotePort,
          at,
        });
      };
      switch (behaviour.kind) {
        case 'ok':
          record();
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
          return;
        case 'status':
          res
            .writeHead(behaviour.status, behaviour.retryAfter ? { 'retry-after': behaviour.retryAfter } : {})
            .end('{}');
          return;
        case 'hang':
          this.hanging.set(res, () => {
            this.hanging.delete(res);
            record();
            res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
          });
          res.on('close', () => this.hanging.delete(res));
          return;
        case 'slow':
          setTimeout(() => {
            record();
            res.writeHead(200).end('{}');
          }, behaviour.ms);
          return;
        case 'reset-mid-body':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
          res.write('{"partial');
          setTimeout(() => req.socket.destroy(), 5);
          return;
      }
    });
  }
}

export function attr(span: { attributes: OtlpKeyValue[] }, key: string): unknown {
  const value = span.attributes.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return value.arrayValue;
}
