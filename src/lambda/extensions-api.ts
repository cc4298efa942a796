import * as http from 'node:http';

// Taken when this module loads, as a preload before the handler: hoptrace's node:http
// instrumentation, installed later, must not trace the extension's own long polls.
const send = http.request;

const BASE = '/2020-01-01/extension';
// One connection for the long polls, kept open: no connect and close around every invocation.
const pollAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

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

function call(api: string, method: string, path: string, headers: Record<string, string>, body?: string, ref = true): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const colon = api.lastIndexOf(':');
    const request = send(
      { host: api.slice(0, colon), port: Number(api.slice(colon + 1)), method, path: `${BASE}${path}`, headers, agent: ref ? false : pollAgent },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    if (!ref) request.on('socket', (socket) => socket.unref());
    request.end(body);
  });
}

/** The Lambda Extensions API, as an internal extension (one living in the function's process) uses it. */
export class ExtensionsApi {
  constructor(private readonly api: string) {}

  /** Resolves with the extension's identifier; rejects with why Lambda refused. */
  async register(name: string, events: readonly string[]): Promise<string> {
    const reply = await call(this.api, 'POST', '/register', { 'Lambda-Extension-Name': name, 'Content-Type': 'application/json' }, JSON.stringify({ events }));
    const id = reply.headers['lambda-extension-identifier'];
    if (reply.status !== 200) throw new Error(`HTTP ${reply.status}${reply.body ? `: ${reply.body.slice(0, 200)}` : ''}`);
    if (typeof id !== 'string' || id === '') throw new Error('no Lambda-Extension-Identifier in the reply');
    return id;
  }

  /**
   * Waits for the next event; while every extension waits here, Lambda may freeze the sandbox.
   * The long poll does not hold the event loop: the runtime client waits for an empty loop
   * before it asks for the next invocation (streaming and callback handlers, aws-lambda-ric 3.x).
   */
  async next(id: string): Promise<InvokeEvent> {
    const reply = await call(this.api, 'GET', '/event/next', { 'Lambda-Extension-Identifier': id }, undefined, false);
    if (reply.status !== 200) throw new Error(`event/next answered HTTP ${reply.status}`);
    return JSON.parse(reply.body) as InvokeEvent;
  }
}
