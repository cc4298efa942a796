import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { bundleHandler } from '../../testing/bundle';
import { createStream, startKinesalite, type LocalKinesis } from '../../testing/kinesis';
import { startOffline, type Offline } from '../../testing/serverless-offline';
import { startFaultProxy, type FaultPlan, type FaultProxy } from './kinesis-fault-proxy';
import { startRestFrontDoor, type FrontDoor } from '../../testing/rest-front-door';
import { startSsmEndpoint, type SsmEndpoint } from '../../testing/ssm-endpoint';

const FIXTURE = fileURLToPath(new URL('../fixtures/ingest/', import.meta.url));
const SERVICE = 'hoptrace-ingest-test-dev';

/** The tenants the fixture's key parameter holds. */
export const TENANT_KEYS = { tests: 'tests-key-0123456789abcdef', 'other-team': 'other-key-0123456789abcdef' };

export interface IngestBed {
  kinesis: LocalKinesis;
  proxy: FaultProxy;
  offline: Offline;
  ssm: SsmEndpoint;
  /** `${base}/v1/traces` through the REST API stand-in, for each function of the fixture. */
  base(route: 'ingest' | 'faulty' | 'patient' | 'missing' | 'blackhole' | 'spent'): string;
  stop(): Promise<void>;
}

/** A TCP endpoint that accepts connections and never answers: a Kinesis that hangs. */
async function startBlackhole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * kinesalite with a stream, a fault proxy in front of it, a hanging endpoint, an SSM
 * endpoint holding the tenants' keys, and the bundled ingest in serverless-offline behind
 * the REST API's stand-in.
 */
export async function startIngestBed(stream: string, plan: FaultPlan): Promise<IngestBed> {
  const kinesis = await startKinesalite();
  await createStream(kinesis.client, stream);
  const proxy = await startFaultProxy(kinesis.endpoint, plan);
  const blackhole = await startBlackhole();
  const keys = Object.fromEntries(Object.entries(TENANT_KEYS).map(([tenant, key]) => [tenant, [key]]));
  const ssm = await startSsmEndpoint({
    '/hoptrace/test/ingest-keys': { type: 'SecureString', value: JSON.stringify(keys) },
  });
  await bundleHandler(
    fileURLToPath(new URL('../../handlers/ingest/handler.ts', import.meta.url)),
    `${FIXTURE}.build/handler.cjs`,
  );
  const offline = await startOffline(FIXTURE, {
    INGEST_STREAM: stream,
    INGEST_SSM_ENDPOINT: ssm.url,
    INGEST_KINESIS_ENDPOINT: kinesis.endpoint,
    INGEST_FAULTY_ENDPOINT: proxy.url,
    INGEST_BLACKHOLE_ENDPOINT: blackhole.url,
  });
  const routes = ['ingest', 'faulty', 'patient', 'missing', 'blackhole', 'spent'] as const;
  const frontDoor: FrontDoor = await startRestFrontDoor(
    (fn, event) => offline.invoke(fn, event),
    Object.fromEntries(routes.map((r) => [r, `${SERVICE}-${r}`])),
  );
  return {
    kinesis,
    proxy,
    offline,
    ssm,
    base: (route) => `${frontDoor.url}/${route}`,
    stop: async () => {
      await frontDoor.close();
      await offline.stop();
      await ssm.close();
      await blackhole.close();
      await proxy.close();
      await kinesis.close();
    },
  };
}
