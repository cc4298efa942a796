import http from 'node:http';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { AddressInfo } from 'node:net';
import { gatewayAnswers, type GatewayAnswer } from './gateway-responses';

/** Runs a function as the Lambda service would (serverless-offline's Lambda API), with its answer. */
export type Invoke = (functionName: string, event: unknown) => Promise<unknown>;

export interface FrontDoor {
  url: string;
  close(): Promise<void>;
}

/** API Gateway's payload limit; past it, REQUEST_TOO_LARGE. */
const API_GATEWAY_MAX_BYTES = 10 * 1024 * 1024;
/** Lambda's limit on a synchronous invocation's event; past it, Lambda refuses the call. */
const LAMBDA_MAX_EVENT_BYTES = 6 * 1024 * 1024;

/**
 * The ingest's REST API (infra/front-door.yml) on loopback, in front of functions run by
 * serverless-offline. serverless-offline's own HTTP server decodes every body it does not
 * know as binary (all but application/octet-stream and multipart/form-data) as UTF-8 text,
 * losing gzip and protobuf bytes; that REST API, whose binary media types cover every type,
 * does not. So this does what the REST API does: a request to POST `/<route>/v1/traces`
 * becomes a payload 1.0 proxy event with the body base64-encoded (and the time API Gateway
 * received it), the route's function runs through serverless-offline's Lambda API, and its
 * answer (base64 when it says so) goes back. When the function is not reached, it answers
 * with the gateway responses infra/front-door.yml declares: any other path or method,
 * MISSING_AUTHENTICATION_TOKEN; a body past 10 MB, REQUEST_TOO_LARGE; an event past
 * Lambda's 6 MB or a function that failed, DEFAULT_5XX. `npm start` and the tests use it
 * alike: `functions` maps a route (a stage) to its function.
 */
export async function startRestFrontDoor(invoke: Invoke, functions: Record<string, string>): Promise<FrontDoor> {
  const answers = gatewayAnswers();
  const answer = (res: http.ServerResponse, { status, headers, body }: GatewayAnswer) =>
    res.writeHead(status, headers).end(body);
  const server = http.createServer((req, res) => {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const route = /^\/(\w+)\/v1\/traces$/.exec(req.url ?? '')?.[1];
      const fn = route === undefined ? undefined : functions[route];
      if (fn === undefined || req.method !== 'POST') {
        answer(res, answers.MISSING_AUTHENTICATION_TOKEN);
        return;
      }
      const body = Buffer.concat(chunks);
      if (body.length > API_GATEWAY_MAX_BYTES) {
        answer(res, answers.REQUEST_TOO_LARGE);
        return;
      }
      const headers: Record<string, string> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i]!] = req.rawHeaders[i + 1]!;
      const event = {
        resource: '/v1/traces',
        path: '/v1/traces',
        httpMethod: 'POST',
        headers,
        queryStringParameters: null,
        requestContext: {
          resourcePath: '/v1/traces',
          httpMethod: 'POST',
          stage: 'local',
          requestTimeEpoch: receivedAt,
        },
        body: body.length > 0 ? body.toString('base64') : null,
        isBase64Encoded: body.length > 0,
      };
      if (Buffer.byteLength(JSON.stringify(event)) > LAMBDA_MAX_EVENT_BYTES) {
        answer(res, answers.DEFAULT_5XX);
        return;
      }
      // API Gateway's own call to Lambda, not a hop of a function traced in this process (the
      // tests and the load bench run wrapped handlers beside the stand-in): never traced.
      context
        .with(suppressTracing(context.active()), () => invoke(fn, event))
        .then(
          (result) => {
            const {
              statusCode,
              headers: out,
              body: text,
              isBase64Encoded,
            } = (result ?? {}) as {
              statusCode?: unknown;
              headers?: Record<string, string>;
              body?: string;
              isBase64Encoded?: boolean;
            };
            // Not a proxy answer: Lambda refused the call (no such function, throttled) or the function answered nonsense.
            if (typeof statusCode !== 'number') answer(res, answers.DEFAULT_5XX);
            else res.writeHead(statusCode, out ?? {}).end(Buffer.from(text ?? '', isBase64Encoded ? 'base64' : 'utf8'));
          },
          () => answer(res, answers.DEFAULT_5XX),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
