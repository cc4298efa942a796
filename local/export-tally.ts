import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseExportRequest } from '../src/otlp/stream-record';
import { recordText } from '../cli/src/sources/decode';

/**
 * A pass-through in front of the ingest that counts the spans the demo functions send, so
 * `npm start` can set them against the spans that landed in the stream.
 */
export interface ExportTally {
  url: string;
  /** The spans (`traceId/spanId`) in the export requests that reached the ingest, each once. */
  spans(): ReadonlySet<string>;
  /** Export requests the ingest answered with an error. */
  refused(): number;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function spansIn(data: Buffer): string[] {
  try {
    const request = parseExportRequest(recordText(data));
    return request.resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => `${s.traceId}/${s.spanId}`)),
    );
  } catch {
    // Not OTLP JSON (protobuf from another SDK): the ingest's answer still counts it as refused or not.
    return [];
  }
}

export async function startExportTally(ingestUrl: string): Promise<ExportTally> {
  const spans = new Set<string>();
  let refused = 0;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const data = await body(req);
      for (const id of spansIn(data)) spans.add(id);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && k !== 'host' && k !== 'content-length'),
      ) as Record<string, string>;
      const answer = await fetch(`${ingestUrl}${req.url ?? ''}`, {
        method: req.method ?? 'POST',
        headers,
        body: data,
      }).catch(() => undefined);
      if (!answer) {
        refused++;
        res.writeHead(502).end();
        return;
      }
      if (!answer.ok) refused++;
      res
        .writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' })
        .end(Buffer.from(await answer.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans: () => spans,
    refused: () => refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
