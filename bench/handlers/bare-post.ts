import type { Agent, request as httpRequest } from 'node:http';
import { work } from './logic';

// The floor any exporter that flushes before the freeze stands on: the bare handler plus one
// keep-alive POST per invocation of a body the size of hoptrace's (3 root-and-children spans
// encode to ~3 KB), with node:http loaded on first use as hoptrace loads it.
const BODY = JSON.stringify({ resourceSpans: [], padding: 'x'.repeat(2_950) });

let client: Promise<{ request: typeof httpRequest; agent: Agent }> | undefined;

function post(url: string): Promise<void> {
  client ??= import('node:http').then((http) => ({
    request: http.request,
    agent: new http.Agent({ keepAlive: true }),
  }));
  return client.then(
    ({ request, agent }) =>
      new Promise<void>((resolve, reject) => {
        const req = request(
          url,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
          },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end(BODY);
      }),
  );
}

export async function handler(event: Parameters<typeof work>[0]): Promise<{ statusCode: number; body: string }> {
  const result = await work(event);
  await post(process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT!);
  return result;
}
