import { startLocalIngest } from '../testing/ingest-stack';
import { readStream, spansFromRecords } from '../testing/kinesis';
import { otlpPayload } from './payload';

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
  const ingest = await startLocalIngest('bench', 4);
  try {
    const bodies = Array.from({ length: requests }, () => otlpPayload(100, 10));
    const send = async (body: string): Promise<void> => {
      const res = await fetch(`${ingest.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
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
    const landed = (await spansFromRecords(await readStream(ingest.kinesis.client, 'bench'))).length;
    return { spansSent: requests * 1000, spansLanded: landed, spansPerSecond: ((requests - 1) * 1000) / seconds };
  } finally {
    await ingest.stop();
  }
}
