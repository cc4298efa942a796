import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultPlan {
  /** Whether Kinesis is unreachable now: connections are cut without an answer. */
  down?: () => boolean;
  /** Whether to fail the entry at `index` of PutRecords call number `call` (it is then not written). */
  failEntry?: (call: number, index: number) => boolean;
  /** Whether to fail PutRecords call number `call` whole, with an InternalFailure. */
  failCall?: (call: number) => boolean;
}

export interface FaultProxy {
  url: string;
  stats: { calls: number; failedEntries: number; failedCalls: number };
  close(): Promise<void>;
}

/**
 * A proxy in front of kinesalite that fails a share of PutRecords entries the way Kinesis
 * does (ProvisionedThroughputExceededException), without writing them, or fails whole calls.
 */
export async function startFaultProxy(upstream: string, plan: FaultPlan): Promise<FaultProxy> {
  const target = new URL(upstream);
  const stats = { calls: 0, failedEntries: 0, failedCalls: 0 };
  const forward = (
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      up.on('error', reject);
      up.end(body);
    });

  const server = http.createServer((req, res) => {
    if (plan.down?.()) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        if (req.headers['x-amz-target'] !== 'Kinesis_20131202.PutRecords') {
          const up = await forward(req, body);
          res.writeHead(up.status, up.headers).end(up.body);
          return;
        }
        const call = stats.calls++;
        if (plan.failCall?.(call)) {
          stats.failedCalls++;
          res
            .writeHead(500, { 'content-type': 'application/x-amz-json-1.1' })
            .end(JSON.stringify({ __type: 'InternalFailure', message: 'injected' }));
          return;
        }
        const input = JSON.parse(body.toString()) as { StreamName: string; Records: unknown[] };
        const failed = input.Records.map((_, i) => plan.failEntry?.(call, i) ?? false);
        const kept = input.Records.filter((_, i) => !failed[i]);
        let upstreamEntries: Array<Record<string, unknown>> = [];
        if (kept.length > 0) {
          const up = await forward(req, Buffer.from(JSON.stringify({ ...input, Records: kept })));
          if (up.status !== 200) {
            res.writeHead(up.status, up.headers).end(up.body);
            return;
          }
          upstreamEntries = (JSON.parse(up.body.toString()) as { Records: Array<Record<string, unknown>> }).Records;
        }
        const entries = failed.map((f) =>
          f
            ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded (injected)' }
            : upstreamEntries.shift()!,
        );
        const failedCount = entries.filter((e) => 'ErrorCode' in e).length;
        stats.failedEntries += failed.filter(Boolean).length;
        res
          .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
          .end(JSON.stringify({ FailedRecordCount: failedCount, Records: entries }));
      })().catch((error: Error) => res.writeHead(502).end(error.message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
