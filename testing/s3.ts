import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, sep } from 'node:path';

// An S3 stand-in on this machine for what the archive function does, PutObject (and GetObject
// to read an object back), path-style. Each object is a plain file, `<root>/<bucket>/<key>`,
// so a folder of the archive bucket's span table is what `hoptrace --archive` reads.

export interface LocalS3Faults {
  /** Whether S3 is unreachable now: connections are cut without an answer. */
  down?: () => boolean;
  /** Whether to answer this PUT with 503 SlowDown, as S3 does when throttling (nothing is written). */
  slowDown?: (key: string) => boolean;
}

export interface LocalS3 {
  endpoint: string;
  /** The folder of a bucket's objects. */
  bucketDir(bucket: string): string;
  /** The faults in force: set and clear its fields while it runs. */
  readonly faults: LocalS3Faults;
  /** PUTs written, and PUTs refused by a fault. */
  readonly stats: { puts: number; refused: number };
  close(): Promise<void>;
}

const xmlError = (code: string, message: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

/** Starts the stand-in on a free loopback port, its objects under `root`. */
export async function startLocalS3(root: string): Promise<LocalS3> {
  const stats = { puts: 0, refused: 0 };
  const faults: LocalS3Faults = {};
  const server = http.createServer((req, res) => {
    if (faults.down?.()) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://local');
        const [bucket, ...rest] = url.pathname.slice(1).split('/').map(decodeURIComponent);
        const key = rest.join('/');
        if (!bucket || !key || rest.some((part) => part === '..' || part === '' || part.includes(sep))) {
          res.writeHead(400).end(xmlError('InvalidRequest', 'path-style /bucket/key only'));
          return;
        }
        const file = join(root, bucket, key);
        if (req.method === 'PUT') {
          if (faults.slowDown?.(key)) {
            stats.refused++;
            res.writeHead(503).end(xmlError('SlowDown', 'Please reduce your request rate.'));
            return;
          }
          await mkdir(dirname(file), { recursive: true });
          // Whole or not at all, as S3 makes an object visible.
          await writeFile(`${file}.partial`, Buffer.concat(chunks));
          await rename(`${file}.partial`, file);
          stats.puts++;
          res.writeHead(200, { etag: '"local"' }).end();
        } else if (req.method === 'GET') {
          const body = await readFile(file).catch(() => undefined);
          if (body) res.writeHead(200, { 'content-length': body.length }).end(body);
          else res.writeHead(404).end(xmlError('NoSuchKey', 'The specified key does not exist.'));
        } else {
          res.writeHead(501).end(xmlError('NotImplemented', `${req.method} is not served here`));
        }
      })().catch((error: unknown) => res.writeHead(500).end(xmlError('InternalError', String(error))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bucketDir: (bucket) => join(root, bucket),
    faults,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
