import * as http from 'node:http';
import { connect, type Socket } from 'node:net';

// Taken when this module loads, as a preload before the handler: hoptrace's node:http
// instrumentation, installed later, must not trace the extension's registration (the long
// polls do not go through node:http at all).
const send = http.request;

const BASE = '/2020-01-01/extension';

export interface InvokeEvent {
  eventType: string;
  requestId?: string;
  deadlineMs?: number;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function call(
  api: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const colon = api.lastIndexOf(':');
    const request = send(
      {
        host: api.slice(0, colon),
        port: Number(api.slice(colon + 1)),
        method,
        path: `${BASE}${path}`,
        headers,
        agent: false,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Reads one HTTP/1.1 response from the front of `data`: undefined while it is incomplete. A
 * body comes with Content-Length, or chunked; one with neither ends with the connection
 * (`ended`). `close`: the connection cannot carry another request.
 */
function readResponse(data: Buffer, ended = false): { reply: Reply; rest: Buffer; close: boolean } | undefined {
  const headEnd = data.indexOf(HEAD_END);
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...lines] = data.toString('latin1', 0, headEnd).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!status) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const headers: http.IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let close = /\bclose\b/i.test(String(headers.connection ?? ''));
  let at = headEnd + HEAD_END.length;
  let body: Buffer;
  if (/\bchunked\b/i.test(String(headers['transfer-encoding'] ?? ''))) {
    const chunks: Buffer[] = [];
    for (let size = -1; size !== 0; ) {
      const lineEnd = data.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      size = Number.parseInt(data.toString('latin1', at, lineEnd), 16);
      if (!Number.isSafeInteger(size) || size < 0) throw new Error('a malformed chunked body');
      if (data.length < lineEnd + 2 + size + 2) return undefined;
      chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(chunks);
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (!Number.isSafeInteger(length) || length < 0)
      throw new Error(`a malformed Content-Length: ${String(headers['content-length'])}`);
    if (data.length < at + length) return undefined;
    body = data.subarray(at, at + length);
    at += length;
  } else {
    if (!ended) return undefined;
    body = data.subarray(at);
    at = data.length;
    close = true;
  }
  return { reply: { status: Number(status[1]), headers, body: body.toString('utf8') }, rest: data.subarray(at), close };
}

/**
 * The long poll, on one kept-alive connection and written by hand: node:http's request,
 * agent and parser machinery cost about three times the CPU of the poll itself (~300 against
 * ~100 µs, on a shared 2-core machine), paid by every invocation. The socket is unref'd: the
 * poll never holds the event loop.
 */
class EventPoll {
  private socket: Socket | undefined;
  private data: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  next(id: string): Promise<Reply> {
    if (this.waiting) return Promise.reject(new Error('a next is already waiting'));
    const socket = this.socket ?? this.open();
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(
        `GET ${BASE}/event/next HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nLambda-Extension-Identifier: ${id}\r\n\r\n`,
      );
    });
  }

  private open(): Socket {
    const socket = connect(this.port, this.host);
    socket.unref();
    socket.setNoDelay(true);
    this.socket = socket;
    this.data = Buffer.alloc(0);
    // A connection given up on may still report; only the current one's events count.
    const current = (): boolean => this.socket === socket;
    socket.on('data', (chunk: Buffer) => current() && this.read(chunk, false));
    socket.on('end', () => current() && this.read(Buffer.alloc(0), true));
    socket.on('error', (error) => current() && this.fail(error));
    socket.on('close', () => current() && this.fail(new Error('the connection closed before the answer')));
    return socket;
  }

  private read(chunk: Buffer, ended: boolean): void {
    this.data = this.data.length === 0 ? chunk : Buffer.concat([this.data, chunk]);
    let answer: ReturnType<typeof readResponse>;
    try {
      answer = readResponse(this.data, ended);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (!answer) {
      if (ended) this.fail(new Error('the connection closed before the answer'));
      return;
    }
    this.data = answer.rest;
    if (answer.close) this.drop();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve(answer.reply);
  }

  private fail(error: Error): void {
    this.drop();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }

  /** The next call opens a fresh connection. */
  private drop(): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.data = Buffer.alloc(0);
  }
}

/** The Lambda Extensions API, as an internal extension (one living in the function's process) uses it. */
export class ExtensionsApi {
  private readonly poll: EventPoll;

  constructor(private readonly api: string) {
    const colon = api.lastIndexOf(':');
    this.poll = new EventPoll(api.slice(0, colon), Number(api.slice(colon + 1)));
  }

  /** Resolves with the extension's identifier; rejects with why Lambda refused. */
  async register(name: string, events: readonly string[]): Promise<string> {
    const reply = await call(
      this.api,
      'POST',
      '/register',
      { 'Lambda-Extension-Name': name, 'Content-Type': 'application/json' },
      JSON.stringify({ events }),
    );
    const id = reply.headers['lambda-extension-identifier'];
    if (reply.status !== 200)
      throw new Error(`HTTP ${reply.status}${reply.body ? `: ${reply.body.slice(0, 200)}` : ''}`);
    if (typeof id !== 'string' || id === '') throw new Error('no Lambda-Extension-Identifier in the reply');
    return id;
  }

  /**
   * Waits for the next event; while every extension waits here, Lambda may freeze the sandbox.
   * The long poll does not hold the event loop: the runtime client waits for an empty loop
   * before it asks for the next invocation (streaming and callback handlers, aws-lambda-ric 3.x).
   */
  async next(id: string): Promise<InvokeEvent> {
    const reply = await this.poll.next(id);
    if (reply.status !== 200) throw new Error(`event/next answered HTTP ${reply.status}`);
    return JSON.parse(reply.body) as InvokeEvent;
  }
}
