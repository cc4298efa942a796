import { fileURLToPath } from 'node:url';
import { bundleHandler } from '../local/bundle';
import { createStream, readStream, startKinesalite } from '../local/kinesis';
import { freePort, startOffline } from '../local/serverless-offline';
import { spansFromRecords } from '../local/stream-spans';
import { otlpPayload } from './payload';

const LOCAL = fileURLToPath(new URL('../local/', import.meta.url));

export interface EndToEndResult {
  spansSent: number;
  spansLanded: number;
  spansPerSecond: number;
}

/**
 * For the record: requests of 1,000 spans, four at a time, through serverless-offline (the
 * ingest as deployed, bundled) into kinesalite; every span id read back to count what landed.
 */
export async function endToEnd(requests: number): Promise<EndToEndResult> {
  await bundleHandler(`${LOCAL}../handlers/ingest/handler.ts`, `${LOCAL}.build/ingest.cjs`);
  const kinesis = await startKinesalite();
  await createStream(kinesis.client, 'bench', 4);
  const httpPort = await freePort();
  const http = `http://127.0.0.1:${httpPort}`;
  const offline = await startOffline(LOCAL, { HOPTRACE_LOCAL_HTTP: http, HOPTRACE_LOCAL_BUS: http, HOPTRACE_LOCAL_STREAM: 'bench', HOPTRACE_LOCAL_KINESIS: kinesis.endpoint }, { httpPort });
  try {
    const bodies = Array.from({ length: requests }, () => otlpPayload(100, 10));
    const send = async (body: string): Promise<void> => {
      const res = await fetch(`${http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    };
    await send(bodies[0]!);
    const start = Date.now();
    let next = 1;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < bodies.length) await send(bodies[next++]!);
      }),
    );
    const seconds = (Date.now() - start) / 1000;
    const landed = spansFromRecords(await readStream(kinesis.client, 'bench')).length;
    return { spansSent: requests * 1000, spansLanded: landed, spansPerSecond: ((requests - 1) * 1000) / seconds };
  } finally {
    await offline.stop();
    await kinesis.close();
  }
}
