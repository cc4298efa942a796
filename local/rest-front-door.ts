import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Runs a function as the Lambda service would (serverless-offline's Lambda API), with its answer. */
export type Invoke = (functionName: string, event: unknown) => Promise<unknown>;

export interface FrontDoor {
  url: string;
  close(): Promise<void>;
}

/**
 * The ingest's REST API (infra/front-door.yml) on loopback, in front of functions run by
 * serverless-offline. serverless-offline's own HTTP server decodes every body it does not
 * know as binary (all but application/octet-stream and multipart/form-data) as UTF-8 text,
 * losing gzip and protobuf bytes; that REST API, whose binary media types cover every type,
 * does not. So this does what the REST API does: a request to POST `/<route>/v1/traces`
 * becomes a payload 1.0 proxy event with the body base64-encoded, the route's function runs
 * through serverless-offline's Lambda API, and its answer (base64 when it says so) goes
 * back. Any other path or method gets API Gateway's 403; a function that failed, its 502.
 * `npm start` and the tests use it alike: `functions` maps a route (a stage) to its function.
 */
export async function startRestFrontDoor(invoke: Invoke, functions: Record<string, string>): Promise<FrontDoor> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const route = /^\/(\w+)\/v1\/traces$/.exec(req.url ?? '')?.[1];
      const fn = route === undefined ? undefined : functions[route];
      if (fn === undefined || req.method !== 'POST') {
        res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"Missing Authentication Token"}');
        return;
      }
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i]!] = req.rawHeaders[i + 1]!;
      const event = {
        resource: '/v1/traces',
        path: '/v1/traces',
        httpMethod: 'POST',
        headers,
        queryStringParameters: null,
        requestContext: { resourcePath: '/v1/traces', httpMethod: 'POST', stage: 'local' },
        body: body.length > 0 ? body.toString('base64') : null,
        isBase64Encoded: body.length > 0,
      };
      invoke(fn, event).then(
        (answer) => {
          const { statusCode, headers: out, body: text, isBase64Encoded } = answer as { statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean };
          res.writeHead(statusCode, out ?? {}).end(Buffer.from(text ?? '', isBase64Encoded ? 'base64' : 'utf8'));
        },
        () => res.writeHead(502, { 'content-type': 'application/json' }).end('{"message":"Internal server error"}'),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
