import { SpanKind, type Attributes } from '@opentelemetry/api';
import { isObject, str, type Json } from '../../guards';
import { setIfPresent } from '../conventions';
import type { EventSource, Trigger } from './trigger';

/**
 * Collects the named headers (lower-cased) from single- and multi-value header maps, so a
 * trace context is found whatever the casing the client used.
 */
function pickHeaders(event: Json, wanted: ReadonlySet<string>): Record<string, string | string[]> {
  const picked = Object.create(null) as Record<string, string | string[]>;
  const single = isObject(event.headers) ? event.headers : undefined;
  const multi = isObject(event.multiValueHeaders) ? event.multiValueHeaders : undefined;
  if (multi) {
    for (const key of Object.keys(multi)) {
      const lower = key.toLowerCase();
      const values = multi[key];
      if (!wanted.has(lower) || !Array.isArray(values)) continue;
      const strings = values.filter((v): v is string => typeof v === 'string');
      if (strings.length > 0) picked[lower] = strings;
    }
  }
  if (single) {
    for (const key of Object.keys(single)) {
      const lower = key.toLowerCase();
      const value = single[key];
      if (wanted.has(lower) && typeof value === 'string' && picked[lower] === undefined) picked[lower] = value;
    }
  }
  return picked;
}

function header(event: Json, name: string): string | undefined {
  for (const map of [event.headers, event.multiValueHeaders]) {
    if (!isObject(map)) continue;
    for (const key of Object.keys(map)) {
      if (key.toLowerCase() !== name) continue;
      const value = map[key];
      return Array.isArray(value) ? str(value[0]) : str(value);
    }
  }
  return undefined;
}

function httpTrigger(
  source: EventSource,
  event: Json,
  fields: {
    method?: string;
    path?: string;
    route?: string;
    host?: string;
    clientIp?: string;
    protocol?: string;
    userAgent?: string;
  },
  wanted: ReadonlySet<string>,
): Trigger {
  const method = fields.method?.toUpperCase() ?? '_OTHER';
  const attributes: Attributes = { 'http.request.method': method };
  setIfPresent(attributes, 'url.path', fields.path);
  setIfPresent(attributes, 'http.route', fields.route);
  setIfPresent(attributes, 'server.address', fields.host ?? header(event, 'host'));
  setIfPresent(attributes, 'client.address', fields.clientIp);
  setIfPresent(attributes, 'user_agent.original', fields.userAgent ?? header(event, 'user-agent'));
  setIfPresent(attributes, 'url.scheme', header(event, 'x-forwarded-proto') ?? 'https');
  setIfPresent(
    attributes,
    'network.protocol.version',
    // Written here, not as a module constant: created when first used, not at init.
    fields.protocol ? /^HTTP\/(\d(?:\.\d)?)$/i.exec(fields.protocol)?.[1] : undefined,
  );
  return {
    faasTrigger: 'http',
    source,
    kind: SpanKind.SERVER,
    spanName: fields.route ? `${method} ${fields.route}` : method,
    attributes,
    carrier: pickHeaders(event, wanted),
    messages: undefined,
  };
}

/** API Gateway REST (v1), HTTP API (v2), Function URL or ALB event; undefined otherwise. */
export function detectHttp(event: Json, wanted: ReadonlySet<string>): Trigger | undefined {
  const rc = isObject(event.requestContext) ? event.requestContext : undefined;
  if (!rc) return undefined;
  if (isObject(rc.elb)) {
    return httpTrigger('alb', event, { method: str(event.httpMethod), path: str(event.path) }, wanted);
  }
  if (event.version === '2.0' && isObject(rc.http)) {
    const http = rc.http;
    const domain = str(rc.domainName);
    const isUrl = domain?.includes('.lambda-url.') ?? false;
    const routeKey = str(event.routeKey);
    // HTTP API route keys are "GET /items/{id}"; "$default" is no route.
    const route = !isUrl && routeKey && routeKey !== '$default' ? routeKey.slice(routeKey.indexOf(' ') + 1) : undefined;
    return httpTrigger(
      isUrl ? 'function-url' : 'api-gateway-http',
      event,
      {
        method: str(http.method),
        path: str(http.path) ?? str(event.rawPath),
        route,
        host: domain,
        clientIp: str(http.sourceIp),
        protocol: str(http.protocol),
        userAgent: str(http.userAgent),
      },
      wanted,
    );
  }
  if (str(event.httpMethod) && str(event.resource) !== undefined) {
    const identity = isObject(rc.identity) ? rc.identity : {};
    return httpTrigger(
      'api-gateway-rest',
      event,
      {
        method: str(event.httpMethod),
        path: str(event.path),
        route: str(event.resource),
        host: str(rc.domainName),
        clientIp: str(identity.sourceIp),
        protocol: str(rc.protocol),
        userAgent: str(identity.userAgent),
      },
      wanted,
    );
  }
  return undefined;
}

/**
 * The status code of an HTTP handler's result. HTTP API and Function URL infer 200 from a
 * result without `statusCode`; REST and ALB need one.
 */
export function responseStatus(source: EventSource, result: unknown): number | undefined {
  const code = isObject(result) ? result.statusCode : undefined;
  if (typeof code === 'number' && Number.isInteger(code)) return code;
  if (typeof code === 'string' && /^\d{3}$/.test(code)) return Number(code);
  return source === 'api-gateway-http' || source === 'function-url' ? 200 : undefined;
}
