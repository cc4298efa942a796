import { createHash } from 'node:crypto';
import type { KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTailSamplerBed, type TailSamplerBed } from '../../testing/tail-sampler-bed';
import { sliBatches, sliPlan } from '../helpers/sli-plan';
import { SyntheticStream } from '../helpers/synthetic-stream';

// The pipeline SLIs across batches, shards and sandboxes, through kinesalite, the event source
// stand-in, the real consumer and dynalite, on a clock the test moves: each SLI against the
// answer worked out by hand from the plan below.

let bed: TailSamplerBed;
beforeAll(async () => {
  bed = await startTailSamplerBed();
});
afterAll(() => bed.close());

const COUNTS = ['Spans', 'SpansStored', 'Traces', 'TracesWithRoot', 'OrphanSpans', 'ErrorTraces', 'LateSpans'];
/** Which of two even shards a partition key goes to (Kinesis hashes it with MD5). */
const half = (key: string): number => Number.parseInt(createHash('md5').update(key).digest('hex')[0]!, 16) >> 3;

describe('pipeline SLIs through kinesalite, the tail sampler and dynalite', () => {
  it('equal their known answers on a stream with lost flushes, orphans, duplicates, late parts, a redelivery and a new sandbox', async () => {
    const stream = new SyntheticStream('slis-integration');
    const at = (ms: number): number => stream.t0Ms + ms;
    // The plan of test/helpers/sli-plan.ts, as in the unit test.
    const plan = sliPlan(stream);
    const { a, b, c, d, e, f, g, h } = plan;
    const { at0, at10, at30, at70 } = sliBatches(stream, plan);
    // R: an error (kept), on G's shard, the backend refusing its forward: the records from it on
    // are redelivered. api r1 (0-20) at 70.
    const r = stream.trace(
      [{ id: 'r1', service: 'api', name: 'GET /r', durationMs: 20, error: true }],
      0,
      stream.traceId((id) => half(id) === half(g.traceId)),
    );

    const put = (records: KinesisStreamRecord[]) =>
      bed.put(
        lane.stream,
        records.map((rec) => ({ traceId: rec.kinesis.partitionKey, data: Buffer.from(rec.kinesis.data, 'base64') })),
      );
    const lane = await bed.lane('slis-across-batches');
    const ids = [a, b, c, d, e, f, g, h].map((t) => t.traceId);
    expect(new Set(ids.map(half)).size).toBe(2);

    let now = 1_900_000_000_000;
    const env = { HOPTRACE_SAMPLE_RATIO: '0', HOPTRACE_SLI_WAIT_S: '60' };
    const first = await bed.consume(lane, { env, batchSize: 50, now: () => now });
    // 0 s
    await put(at0);
    await first.source.idle();
    // 10 s
    now += 10_000;
    await put(at10);
    await first.source.idle();
    // 30 s: the backend refuses R's forward three times over (all the tries of one delivery), so its batch fails and comes again.
    now += 20_000;
    let refusals = 0;
    bed.receiver.refuseWhen((body) => {
      const hasR = body.resourceSpans.some((rs) =>
        rs.scopeSpans.some((ss) => ss.spans.some((x) => x.traceId === r.traceId)),
      );
      return hasR && refusals++ < 3 ? 503 : undefined;
    });
    await put([stream.record(r.part('api'), at(70)), ...at30]);
    await first.source.idle();
    await first.source.stop();
    bed.receiver.refuseWhen(undefined);
    expect(refusals).toBeGreaterThan(3);
    expect(first.logs.some((l) => l.message.startsWith('forwarding failed'))).toBe(true);
    expect(first.counter('Traces')).toBe(0);

    // 70 s: another sandbox takes both shards, reading them again from their start; H's child
    // comes past H's wait. A-H are counted (their waits ended at 60 and 70 s).
    now += 40_000;
    const second = await bed.consume(lane, { env, batchSize: 50, now: () => now });
    await put(at70);
    await bed.tick(lane.stream);
    await second.source.idle();
    // 135 s: R is counted (its wait ended at 90 s).
    now += 65_000;
    await bed.tick(lane.stream);
    await second.source.idle();
    await second.source.stop();

    const docs = [...first.lines, ...second.lines]
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((doc) => 'Spans' in doc || 'ExportLatency' in doc);
    const counts = (service?: string) =>
      Object.fromEntries(
        COUNTS.map((name) => [
          name,
          docs.filter((doc) => doc.service === service).reduce((n, doc) => n + ((doc[name] as number) ?? 0), 0),
        ]),
      );
    const latency = (service?: string) => {
      const out: Record<number, number> = {};
      for (const doc of docs.filter((x) => x.service === service && x.ExportLatency)) {
        const { Values, Counts } = doc.ExportLatency as { Values: number[]; Counts: number[] };
        Values.forEach((v, i) => (out[v] = (out[v] ?? 0) + Counts[i]!));
      }
      return out;
    };
    expect(counts()).toEqual({
      Spans: 15, // a1 a2 a3, b1 b2, c2 c3, d1 d2, e1, f1, g1 g2, h1, r1
      SpansStored: 19, // and b2's second and third copies, e1's provisional copy, h2: none of the redelivered or read again
      Traces: 9,
      TracesWithRoot: 8, // all but C
      OrphanSpans: 1, // c2
      ErrorTraces: 2, // B and R
      LateSpans: 1, // h2
    });
    expect(counts('api')).toEqual({
      Spans: 9,
      SpansStored: 10,
      Traces: 8,
      TracesWithRoot: 8,
      OrphanSpans: 0,
      ErrorTraces: 2,
      LateSpans: 0,
    });
    expect(counts('worker')).toEqual({
      Spans: 6,
      SpansStored: 9,
      Traces: 5,
      TracesWithRoot: 4,
      OrphanSpans: 1,
      ErrorTraces: 0,
      LateSpans: 1,
    });
    // d1 0; b2, g2, h1 5; b1, c2 10; a3 15; a1, c3 20; r1 50; a2 90; e1 100; d2 2992; g1 7950; h2 64985.
    expect(latency()).toEqual({
      0: 1,
      5: 3,
      10: 2,
      15: 1,
      20: 2,
      50: 1,
      90: 1,
      100: 1,
      2992: 1,
      7950: 1,
      64985: 1,
    });
    // R reached the backend once, when its batch came again.
    expect(bed.receiver.spans().filter((s) => s.traceId === r.traceId)).toHaveLength(1);
  });
});
