import { fileURLToPath } from 'node:url';
import { bundleHandler } from './bundle';
import { createStream, startKinesalite, type LocalKinesis } from './kinesis';
import { freePort, startOffline } from './serverless-offline';

const LOCAL = fileURLToPath(new URL('.', import.meta.url));

export interface LocalIngest {
  /**
   * The ingest's base URL; POST OTLP/HTTP JSON to `${url}/v1/traces`, no key needed. This is
   * serverless-offline's own HTTP route, which passes only uncompressed JSON intact (it decodes
   * other bodies as text); the tests put the REST API's stand-in in front for the rest.
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
    bundleHandler(`${LOCAL}../handlers/ingest/handler.ts`, `${LOCAL}.build/ingest.cjs`),
    bundleHandler(`${LOCAL}../handlers/archive/handler.ts`, `${LOCAL}.build/archive.cjs`),
  ]);
  const kinesis = await startKinesalite();
  await createStream(kinesis.client, stream, shards);
  const httpPort = await freePort();
  const url = `http://127.0.0.1:${httpPort}`;
  const offline = await startOffline(LOCAL, { HOPTRACE_LOCAL_HTTP: url, HOPTRACE_LOCAL_BUS: url, HOPTRACE_LOCAL_STREAM: stream, HOPTRACE_LOCAL_KINESIS: kinesis.endpoint }, { httpPort });
  return {
    url,
    kinesis,
    invoke: (name, event) => offline.invoke(`hoptrace-local-local-${name}`, event),
    stop: async () => {
      await offline.stop();
      await kinesis.close();
    },
  };
}
