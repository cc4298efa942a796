import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The Lambda Runtime API and Extensions API, as AWS documents them, on loopback, for a real
 * runtime interface client in a child process:
 * - extensions register until the runtime's first `/runtime/invocation/next`; later ones are refused;
 * - an invocation goes to the runtime and, as an INVOKE event, to every extension subscribed to INVOKE;
 * - the sandbox is frozen (SIGSTOP) once the runtime and every INVOKE-subscribed extension wait
 *   in next with nothing to do, and thawed (SIGCONT) for the next invocation;
 * - with `maxConcurrency` (Managed Instances) several runtime next calls are served at once and
 *   nothing is ever frozen.
 */

export interface RuntimeApiOptions {
  /** Refuse every registration, as Lambda does once registration has closed. */
  refuseRegistration?: boolean;
  /** The function's timeout: each invocation's deadline is its dispatch plus this. */
  timeoutMs?: number;
  /** Managed Instances: concurrent invocations, no freeze. */
  maxConcurrency?: number;
}

export interface InvokeOptions {
  traceId?: string;
  tenantId?: string;
  clientContext?: unknown;
}

export interface InvokeResult {
  requestId: string;
  /** The response body as posted (for streaming, every chunk in order). */
  body: Buffer;
  contentType: string | undefined;
  /** The runtime reported an error instead of a response. */
  error: boolean;
  deadlineMs: number;
  /** `performance.now()` when the response was complete. */
  at: number;
}

/** One thing that happened, with `performance.now()`. */
export interface Moment {
  kind:
    | 'registered'
    | 'refused'
    | 'runtime-next'
    | 'extension-next'
    | 'invoke'
    | 'response'
    | 'freeze'
    | 'thaw'
    | 'init-error';
  at: number;
  requestId?: string;
  detail?: string;
}

interface Extension {
  name: string;
  invoke: boolean;
  waiting: http.ServerResponse | undefined;
}

interface Pending {
  requestId: string;
  event: unknown;
  options: InvokeOptions;
  resolve: (result: InvokeResult) => void;
  deadlineMs: number;
}

const RUNTIME = '/2018-06-01/runtime';
const EXTENSION = '/2020-01-01/extension';

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export class LambdaRuntimeApi {
  readonly moments: Moment[] = [];
  private readonly server: http.Server;
  private readonly extensions = new Map<string, Extension>();
  private readonly runtimeWaiting: http.ServerResponse[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<string, Pending>();
  private registrationOpen = true;
  private frozen = false;
  private pid: number | undefined;
  private readonly freezeWaiters: Array<() => void> = [];

  private constructor(private readonly options: RuntimeApiOptions) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error)));
    });
  }

  static async start(options: RuntimeApiOptions = {}): Promise<LambdaRuntimeApi> {
    const api = new LambdaRuntimeApi(options);
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  /** `AWS_LAMBDA_RUNTIME_API`. */
  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The sandbox's process, which the freeze stops. */
  attach(pid: number): void {
    this.pid = pid;
  }

  /**
   * The runtime died (process.exit, an uncaught exception, out of memory): as Lambda does,
   * the invocation in progress fails, and a new runtime starts in the same sandbox (/tmp
   * kept), whose extensions register again. `pid` is the new process.
   */
  restart(pid: number): void {
    for (const [requestId, pending] of this.running) {
      this.running.delete(requestId);
      this.note('response', requestId, 'runtime exited');
      pending.resolve({
        requestId,
        body: Buffer.from('{"errorType":"Runtime.ExitError"}'),
        contentType: 'application/json',
        error: true,
        deadlineMs: pending.deadlineMs,
        at: performance.now(),
      });
    }
    for (const res of this.runtimeWaiting.splice(0)) res.destroy();
    for (const extension of this.extensions.values()) extension.waiting?.destroy();
    this.extensions.clear();
    this.registrationOpen = true;
    this.frozen = false;
    this.pid = pid;
  }

  get registered(): string[] {
    return [...this.extensions.values()].map((e) => e.name);
  }

  isFrozen(): boolean {
    return this.frozen;
  }

  /** Resolves with the response once the runtime has posted it. */
  invoke(event: unknown, options: InvokeOptions = {}): Promise<InvokeResult> {
    return new Promise((resolve) => {
      this.queue.push({ requestId: randomUUID(), event, options, resolve, deadlineMs: 0 });
      this.pump();
    });
  }

  /** Resolves at the next freeze (at once when frozen), with its time. */
  nextFreeze(): Promise<number> {
    if (this.frozen) return Promise.resolve(this.moments.findLast((m) => m.kind === 'freeze')!.at);
    return new Promise((resolve) =>
      this.freezeWaiters.push(() => resolve(this.moments.findLast((m) => m.kind === 'freeze')!.at)),
    );
  }

  /** Lambda's shutdown: thaw, SIGTERM, and SIGKILL after `windowMs`. Resolves with how the process ended. */
  async shutdown(
    child: {
      pid?: number;
      exitCode: number | null;
      once: (e: 'exit', l: (code: number | null, signal: string | null) => void) => void;
    },
    windowMs = 500,
  ): Promise<{ code: number | null; signal: string | null }> {
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    this.thaw();
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), windowMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  }

  async close(): Promise<void> {
    this.thaw();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private note(kind: Moment['kind'], requestId?: string, detail?: string): void {
    this.moments.push({
      kind,
      at: performance.now(),
      ...(requestId ? { requestId } : {}),
      ...(detail ? { detail } : {}),
    });
  }

  private get concurrency(): number {
    return this.options.maxConcurrency ?? 1;
  }

  private invokeExtensions(): Extension[] {
    return [...this.extensions.values()].filter((e) => e.invoke);
  }

  private allWaiting(): boolean {
    return this.runtimeWaiting.length > 0 && this.invokeExtensions().every((e) => e.waiting);
  }

  /** Dispatches queued invocations while the sandbox can take them. */
  private pump(): void {
    while (this.queue.length > 0 && this.running.size < this.concurrency && this.runtimeWaiting.length > 0) {
      if (this.concurrency === 1 && !this.allWaiting()) return;
      this.thaw();
      const pending = this.queue.shift()!;
      pending.deadlineMs = Date.now() + (this.options.timeoutMs ?? 3000);
      this.running.set(pending.requestId, pending);
      this.note('invoke', pending.requestId);
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Aws-Request-Id': pending.requestId,
        'Lambda-Runtime-Deadline-Ms': String(pending.deadlineMs),
        'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:eu-west-1:123456789012:function:traced',
      };
      if (pending.options.traceId) headers['Lambda-Runtime-Trace-Id'] = pending.options.traceId;
      if (pending.options.tenantId) headers['Lambda-Runtime-Aws-Tenant-Id'] = pending.options.tenantId;
      if (pending.options.clientContext)
        headers['Lambda-Runtime-Client-Context'] = JSON.stringify(pending.options.clientContext);
      this.runtimeWaiting.shift()!.writeHead(200, headers).end(JSON.stringify(pending.event));
      for (const extension of this.invokeExtensions()) {
        const waiting = extension.waiting!;
        extension.waiting = undefined;
        const tracing = pending.options.traceId
          ? { type: 'X-Amzn-Trace-Id', value: pending.options.traceId }
          : undefined;
        waiting.writeHead(200, { 'Content-Type': 'application/json' }).end(
          JSON.stringify({
            eventType: 'INVOKE',
            deadlineMs: pending.deadlineMs,
            requestId: pending.requestId,
            invokedFunctionArn: headers['Lambda-Runtime-Invoked-Function-Arn'],
            tracing,
          }),
        );
      }
    }
    this.maybeFreeze();
  }

  private maybeFreeze(): void {
    if (this.options.maxConcurrency !== undefined || this.frozen || this.pid === undefined) return;
    if (this.running.size > 0 || this.queue.length > 0 || !this.allWaiting()) return;
    this.frozen = true;
    process.kill(this.pid, 'SIGSTOP');
    this.note('freeze');
    for (const waiter of this.freezeWaiters.splice(0)) waiter();
  }

  private thaw(): void {
    if (!this.frozen || this.pid === undefined) return;
    this.frozen = false;
    process.kill(this.pid, 'SIGCONT');
    this.note('thaw');
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? '';
    if (req.method === 'POST' && url === `${EXTENSION}/register`) return this.register(req, res);
    if (req.method === 'GET' && url === `${EXTENSION}/event/next`) return this.extensionNext(req, res);
    if (req.method === 'GET' && url === `${RUNTIME}/invocation/next`) {
      this.registrationOpen = false;
      this.note('runtime-next');
      this.runtimeWaiting.push(res);
      return this.pump();
    }
    const done = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'POST' && done) return this.finish(req, res, decodeURIComponent(done[1]!), done[2] === 'error');
    if (req.method === 'POST' && url === `${RUNTIME}/init/error`) {
      this.note('init-error', undefined, (await readBody(req)).toString());
      res.writeHead(202).end('{"status":"OK"}');
      return;
    }
    res.writeHead(404).end();
  }

  private async register(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const name = req.headers['lambda-extension-name'];
    const body = JSON.parse((await readBody(req)).toString() || '{}') as { events?: unknown };
    const events = Array.isArray(body.events) ? body.events : undefined;
    const refuse = (status: number, message: string): void => {
      this.note('refused', undefined, message);
      res
        .writeHead(status, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ errorType: 'Extension.RegistrationRefused', errorMessage: message }));
    };
    if (this.options.refuseRegistration) return refuse(403, 'registration refused');
    if (!this.registrationOpen) return refuse(403, 'registration closed: the runtime already asked for an invocation');
    if (typeof name !== 'string' || name === '' || !events)
      return refuse(400, 'a Lambda-Extension-Name header and an events list are required');
    if (events.includes('SHUTDOWN')) return refuse(400, 'internal extensions cannot subscribe to SHUTDOWN');
    if (this.options.maxConcurrency !== undefined && events.length > 0)
      return refuse(400, 'on Managed Instances internal extensions subscribe to no events');
    const id = randomUUID();
    this.extensions.set(id, { name, invoke: events.includes('INVOKE'), waiting: undefined });
    this.note('registered', undefined, name);
    res
      .writeHead(200, { 'Content-Type': 'application/json', 'Lambda-Extension-Identifier': id })
      .end(JSON.stringify({ functionName: 'traced', functionVersion: '$LATEST', handler: 'index.handler' }));
  }

  private extensionNext(req: http.IncomingMessage, res: http.ServerResponse): void {
    const extension = this.extensions.get(String(req.headers['lambda-extension-identifier']));
    if (!extension) {
      res
        .writeHead(403, { 'Content-Type': 'application/json' })
        .end('{"errorType":"Extension.UnknownExtensionIdentifier","errorMessage":"unknown extension"}');
      return;
    }
    this.note('extension-next', undefined, extension.name);
    extension.waiting = res;
    this.pump();
  }

  private async finish(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestId: string,
    error: boolean,
  ): Promise<void> {
    const pending = this.running.get(requestId);
    const body = await readBody(req);
    if (!pending) {
      res.writeHead(400).end('{"errorType":"InvalidRequestID"}');
      return;
    }
    this.running.delete(requestId);
    this.note('response', requestId);
    res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"status":"OK"}');
    pending.resolve({
      requestId,
      body,
      contentType: req.headers['content-type'],
      error,
      deadlineMs: pending.deadlineMs,
      at: performance.now(),
    });
    this.pump();
  }
}
