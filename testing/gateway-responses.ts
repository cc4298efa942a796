import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const FRONT_DOOR = fileURLToPath(new URL('../infra/front-door.yml', import.meta.url));

/** What API Gateway answers itself for one response type: status, headers, body. */
export interface GatewayAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The response types the REST API stand-in meets, and API Gateway's own answers for them. */
export type GatewayResponseType = 'MISSING_AUTHENTICATION_TOKEN' | 'REQUEST_TOO_LARGE' | 'DEFAULT_5XX';
const API_GATEWAY_DEFAULTS: Record<GatewayResponseType, GatewayAnswer> = {
  MISSING_AUTHENTICATION_TOKEN: { status: 403, headers: {}, body: '{"message":"Missing Authentication Token"}' },
  REQUEST_TOO_LARGE: { status: 413, headers: {}, body: '{"message":"Request Too Long"}' },
  DEFAULT_5XX: { status: 500, headers: {}, body: '{"message":"Internal server error"}' },
};

interface GatewayResponseProperties {
  ResponseType: string;
  StatusCode?: string;
  ResponseParameters?: Record<string, string>;
  ResponseTemplates?: Record<string, string>;
}

/**
 * The gateway responses infra/front-door.yml declares, read from the file itself, over API
 * Gateway's defaults: what the deployed REST API answers when the function is not reached.
 * A header mapping is a quoted static value ("'2'"), as API Gateway takes it.
 */
export function gatewayAnswers(file = FRONT_DOOR): Record<GatewayResponseType, GatewayAnswer> {
  const resources = (
    parse(readFileSync(file, 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: GatewayResponseProperties }>;
    }
  ).Resources;
  const out = { ...API_GATEWAY_DEFAULTS };
  for (const { Type, Properties: p } of Object.values(resources)) {
    if (Type !== 'AWS::ApiGateway::GatewayResponse' || !(p.ResponseType in out)) continue;
    const type = p.ResponseType as GatewayResponseType;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const [name, value] of Object.entries(p.ResponseParameters ?? {}))
      headers[name.replace(/^gatewayresponse\.header\./, '').toLowerCase()] = value.replace(/^'(.*)'$/, '$1');
    out[type] = {
      status: Number(p.StatusCode ?? out[type].status),
      headers,
      body: p.ResponseTemplates?.['application/json'] ?? out[type].body,
    };
  }
  return out;
}
