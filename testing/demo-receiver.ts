import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { HttpError } from '../handlers/ingest/http-error';

// `npm start -- --keep`'s stand-in for a tracing backend: where the tail sampler forwards the
// traces it keeps (OTLP/HTTP JSON, as it sends them) when HOPTRACE_FORWARD_ENDPOINT names no
// real one. Anyone may POST to it, so a body it cannot read gets an OTLP error answer (a
// Status: code 3, INVALID_ARGUMENT) and the pipeline goes on.

export interface DemoReceiver {
  /** `…/v1/traces`. */
  url: string;
  /** Spans received in requests it accepted. */
  spans(): number;
  close(): Promise<void>;
}

// Bodies past this are refused before they are held whole.
const MAX_BODY_BYTES = 16 * 1024 * 1024;

function countSpans(body: unknown): number {
  const resourceSpans = (body as { resourceSpans?: unknown } | null)?.resourceSpans;
  if (!Array.isArray(resourceSpans))
    throw new HttpError(400, 'not an ExportTraceServiceRequest: no resourceSpans array');
  let spans = 0;
  for (const rs of resourceSpans as unknown[]) {
    const scopes = (rs as { scopeSpans?: unknown } | null)?.scopeSpans;
    if (!Array.isArray(scopes))
      throw new HttpError(400, 'not an ExportTraceServiceRequest: a resourceSpans entry without a scopeSpans array');
    for (const ss of scopes as unknown[]) {
      const list = (ss as { spans?: unknown } | null)?.spans;
      if (!Array.isArray(list))
        throw new HttpError(400, 'not an ExportTraceServiceRequest: a scopeSpans entry without a spans array');
      spans += list.length;
    }
  }
  return spans;
}

/** The spans of one OTLP/HTTP JSON request, or why it cannot be read. */
function read(req: IncomingMessage, raw: Buffer): number {
  if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v1/traces')
    throw new HttpError(404, `${req.method} ${req.url}: only POST /v1/traces is served`);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(
      415,
      `content-type "${type}" not served: this demo receiver reads OTLP/HTTP JSON (application/json) only`,
    );
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  let body = raw;
  if (encoding === 'gzip') {
    try {
      body = gunzipSync(raw, { maxOutputLength: MAX_BODY_BYTES });
    } catch (error) {
      throw new HttpError(400, `gzip body could not be read: ${(error as Error).message}`, {}, { cause: error });
    }
  } else if (encoding !== 'identity') {
    throw new HttpError(415, `content-encoding "${encoding}" not served (gzip or none)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `body is not JSON: ${(error as Error).message}`, {}, { cause: error });
  }
  return countSpans(parsed);
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startDemoReceiver(log: (line: string) => void): Promise<DemoReceiver> {
  let spans = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        if (size > MAX_BODY_BYTES) throw new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`);
        const received = read(req, Buffer.concat(chunks));
        spans += received;
        answer(res, 200, {});
      } catch (error) {
        const refused =
          error instanceof HttpError
            ? error
            : new HttpError(500, `could not be handled: ${(error as Error).message}`, {}, { cause: error });
        log(`demo receiver: refused a request (${refused.status}): ${refused.message}`);
        answer(res, refused.status, { code: refused.status === 500 ? 13 : 3, message: refused.message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    spans: () => spans,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
