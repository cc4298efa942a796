import { fileURLToPath } from 'node:url';
import { bundleHandler } from './bundle';
import { createStream, startKinesalite, type LocalKinesis } from './kinesis';
import { startRestFrontDoor } from './rest-front-door';
import { freePort, startOffline, type Offline } from './serverless-offline';

// testing/serverless.yml: the ingest and the archive's transformation.
const HERE = fileURLToPath(new URL('.', import.meta.url));
const SERVICE = 'hoptrace-testing-local';

export interface LocalIngest {
  /**
   * The ingest's base URL, as the deployed stage's: POST OTLP/HTTP (JSON or protobuf, gzip or
   * not) to `${url}/v1/traces`, no key needed, through the REST API's stand-in.
   */
  url: string;
  kinesis: LocalKinesis;
  /** Invokes a function of the local service (`ingest`, `archive`, ...) as the Lambda service would. */
  invoke(name: string, event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** kinesalite with a stream, and the bundled ingest in serverless-offline writing to it. */
export async function startLocalIngest(stream: string, shards: number): Promise<LocalIngest> {
  await Promise.all([
    bundleHandler(`${HERE}../handlers/ingest/handler.ts`, `${HERE}.build/ingest.cjs`),
    bundleHandler(`${HERE}../handlers/archive/handler.ts`, `${HERE}.build/archive.cjs`),
  ]);
  const kinesis = await startKinesalite();
  await createStream(kinesis.client, stream, shards);
  const httpPort = await freePort();
  let offline: Offline | undefined;
  const frontDoor = await startRestFrontDoor((fn, event) => offline!.invoke(fn, event), { local: `${SERVICE}-ingest` });
  const url = `${frontDoor.url}/local`;
  offline = await startOffline(
    HERE,
    { HOPTRACE_LOCAL_STREAM: stream, HOPTRACE_LOCAL_KINESIS: kinesis.endpoint },
    { httpPort },
  ).catch(async (error: unknown) => {
    await frontDoor.close();
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
    await Promise.all([offline.stop(), frontDoor.close(), kinesis.close()]);
    throw new Error(
      `the local ingest does not answer: ${warm instanceof Error ? warm.message : `HTTP ${warm.status}`}`,
    );
  }
  return {
    url,
    kinesis,
    invoke: (name, event) => offline.invoke(`${SERVICE}-${name}`, event),
    stop: async () => {
      await offline.stop();
      await frontDoor.close();
      await kinesis.close();
    },
  };
}
