import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import {
  injectTraceHeaders,
  recordHttpError,
  recordHttpStatus,
  startHttpSpan,
  type OutgoingRequest,
} from './http-span';

type HttpModule = typeof import('node:http');
type GetBuiltinModule = (id: string) => unknown;

const PATCHED = Symbol.for('hoptrace.http.patched');
const spans = new WeakMap<ClientRequest, Span>();
const patched = new Set<string>();

/**
 * Node publishes `http.client.request.created` from the `ClientRequest` constructor, before
 * any header is sent, from 22.12 and 23.2 on: there the channel is all it takes, whatever
 * way the application reached `request` or `get`. Older versions only have channels that
 * fire once the headers are out, too late for `traceparent`.
 */
export function hasRequestCreatedChannel(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 2) || (major === 22 && minor >= 12);
}

function traceRequest(req: ClientRequest, protocol: string): void {
  const outgoing: OutgoingRequest = {
    method: req.method,
    protocol,
    host: req.host,
    port: (req as unknown as { socketPath?: string }).socketPath ? undefined : portOf(req),
    path: req.path,
    header: (name) => {
      const value = req.getHeader(name);
      return value === undefined ? undefined : String(value);
    },
    setHeader: (name, value) => {
      if (!req.headersSent) req.setHeader(name, value);
    },
  };
  const span = startHttpSpan(outgoing);
  if (!span) return;
  injectTraceHeaders(outgoing, span);
  spans.set(req, span);
  // 'close' always comes, whatever happened; listening for it changes nothing for the caller.
  req.once('close', () => endSpan(req));
}

function portOf(req: ClientRequest): number | undefined {
  const agentPort = (req as unknown as { agent?: { defaultPort?: number } }).agent?.defaultPort;
  const hostHeader = req.getHeader('host');
  const match = typeof hostHeader === 'string' ? /:(\d+)$/.exec(hostHeader) : null;
  return match ? Number(match[1]) : agentPort;
}

function endSpan(req: ClientRequest): void {
  spans.get(req)?.end();
  spans.delete(req);
}

/**
 * Where the channel is missing (Node 20), wraps `request` and `get` of `node:http` or
 * `node:https` so outgoing requests carry the trace context. Responses and errors come
 * through the channels.
 */
function patch(mod: HttpModule, protocol: string): void {
  const target = mod as HttpModule & { [PATCHED]?: boolean };
  if (target[PATCHED]) return;
  const original = mod.request;
  const request = function (this: unknown, ...args: unknown[]): ClientRequest {
    const req = (original as (...a: unknown[]) => ClientRequest).apply(this, args);
    try {
      traceRequest(req, protocol);
    } catch {
      // Tracing never fails a request.
    }
    return req;
  } as HttpModule['request'];
  const get = function (this: unknown, ...args: unknown[]): ClientRequest {
    const req = (request as (...a: unknown[]) => ClientRequest).apply(this, args);
    req.end();
    return req;
  } as HttpModule['get'];
  target.request = request;
  target.get = get;
  target[PATCHED] = true;
}

function isLoaded(list: readonly string[] | undefined, id: string): boolean {
  // Without the list (a future Node), load the module: tracing beats 2 ms of init.
  return list ? list.includes(`NativeModule ${id}`) : true;
}

// Node appends to the list as modules load: while its length stands still, nothing new is
// there to patch, and the per-invocation check costs one comparison.
let seenModules = -1;

/**
 * Patches `node:http` and `node:https` if the application has loaded them. Loading them
 * ourselves would cost ~4.5 ms of every cold start, so this runs at registration and at
 * the start of each invocation until both are patched; it is a cheap check once done.
 */
export function patchLoadedHttpModules(): void {
  const list = (process as unknown as { moduleLoadList?: string[] }).moduleLoadList;
  if (list && list.length === seenModules) return;
  seenModules = list ? list.length : -1;
  const before = patched.size;
  const getBuiltin = (process as unknown as { getBuiltinModule?: GetBuiltinModule }).getBuiltinModule;
  for (const id of ['http', 'https']) {
    if (patched.has(id) || !isLoaded(list, id)) continue;
    const mod = getBuiltin?.(`node:${id}`) as HttpModule | undefined;
    if (!mod) continue;
    patch(mod, `${id}:`);
    patched.add(id);
  }
  // ES modules' named imports (`import { get } from 'node:http'`) are bindings of their own;
  // this points them at the wrappers too, in modules already loaded included (~0.2 ms).
  // node:module is taken only then: loading it (with the ES module loader it pulls in) was a
  // quarter of hoptrace's init, counted in instructions.
  if (patched.size > before) (getBuiltin!('node:module') as typeof import('node:module')).syncBuiltinESMExports();
}

export function allHttpModulesPatched(): boolean {
  return patched.size === 2;
}

// The channels' handlers are module-level declarations: V8 parses an arrow inside a function
// that runs at init in full, a declaration only when first called (bench: init instructions).
function onRequestCreated(message: unknown): void {
  const { request } = message as { request: ClientRequest };
  try {
    traceRequest(request, request.protocol);
  } catch {
    // Tracing never fails a request.
  }
}

function onResponseFinish(message: unknown): void {
  const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
  const span = spans.get(request);
  if (!span) return;
  recordHttpStatus(span, response.statusCode ?? 0);
  response.once('end', () => endSpan(request));
}

function onRequestError(message: unknown): void {
  const { request, error } = message as { request: ClientRequest; error: unknown };
  const span = spans.get(request);
  if (!span) return;
  recordHttpError(span, error);
  endSpan(request);
}

/** Requests (where Node has the channel), responses and errors of every outgoing request, from Node's diagnostics channels. */
export function subscribeHttpChannels(): void {
  if (hasRequestCreatedChannel()) subscribe('http.client.request.created', onRequestCreated);
  subscribe('http.client.response.finish', onResponseFinish);
  subscribe('http.client.request.error', onRequestError);
}
