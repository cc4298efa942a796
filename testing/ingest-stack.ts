import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleHandler } from './bundle';
import { createStream, startKinesalite, type LocalKinesis } from './kinesis';
import { startRestFrontDoor } from './rest-front-door';
import { startLocalS3, type LocalS3 } from './s3';
import { freePort, startOffline, type Offline } from './serverless-offline';

// testing/serverless.yml: the ingest and the archive function.

/** The bucket the local archive function writes to, on the S3 stand-in. */
export const ARCHIVE_BUCKET = 'archive';
const HERE = fileURLToPath(new URL('.', import.meta.url));
const SERVICE = 'hoptrace-testing-local';

export interface LocalIngest {
  /**
   * The ingest's base URL, as the deployed stage's: POST OTLP/HTTP (JSON or protobuf, gzip or
   * not) to `${url}/v1/traces`, no key needed, through the REST API's stand-in.
   */
  url: string;
  kinesis: LocalKinesis;
  /** The S3 stand-in the archive function writes to (bucket ARCHIVE_BUCKET), in a folder removed at stop. */
  s3: LocalS3;
  /** Invokes a function of the local service (`ingest`, `archive`, ...) as the Lambda service would. */
  invoke(name: string, event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** kinesalite with a stream, the bundled ingest in serverless-offline writing to it, and the archive function beside it. */
export async function startLocalIngest(stream: string, shards: number): Promise<LocalIngest> {
  await Promise.all([
    bundleHandler(`${HERE}../handlers/ingest/handler.ts`, `${HERE}.build/ingest.cjs`),
    bundleHandler(`${HERE}../handlers/archive/handler.ts`, `${HERE}.build/archive.cjs`),
  ]);
  const kinesis = await startKinesalite();
  await createStream(kinesis.client, stream, shards);
  const s3Root = mkdtempSync(join(tmpdir(), 'hoptrace-s3-'));
  const s3 = await startLocalS3(s3Root);
  const closeS3 = async (): Promise<void> => {
    await s3.close();
    rmSync(s3Root, { recursive: true, force: true });
  };
  const httpPort = await freePort();
  let offline: Offline | undefined;
  const frontDoor = await startRestFrontDoor((fn, event) => offline!.invoke(fn, event), { local: `${SERVICE}-ingest` });
  const url = `${frontDoor.url}/local`;
  offline = await startOffline(
    HERE,
    {
      HOPTRACE_LOCAL_STREAM: stream,
      HOPTRACE_LOCAL_KINESIS: kinesis.endpoint,
      HOPTRACE_LOCAL_S3: s3.endpoint,
      HOPTRACE_LOCAL_ARCHIVE_BUCKET: ARCHIVE_BUCKET,
    },
    { httpPort },
  ).catch(async (error: unknown) => {
    await Promise.all([frontDoor.close(), closeS3(), kinesis.close()]);
    throw error;
  });
  // The first call starts the ingest's worker, on a loaded machine slower than an exporter's
  // timeout: an export that gives up then still lands, after its sender read the stream. One
  // empty request (it writes nothing) makes that first call before any sender's.
  const warm = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"resourceSpans":[]}',
  }).catch((error: unknown) => error as Error);
  if (warm instanceof Error || warm.status !== 200) {
    await Promise.all([offline.stop(), frontDoor.close(), kinesis.close(), closeS3()]);
    throw new Error(
      `the local ingest does not answer: ${warm instanceof Error ? warm.message : `HTTP ${warm.status}`}`,
    );
  }
  return {
    url,
    kinesis,
    s3,
    invoke: (name, event) => offline.invoke(`${SERVICE}-${name}`, event),
    stop: async () => {
      await offline.stop();
      await frontDoor.close();
      await kinesis.close();
      await closeS3();
    },
  };
}
