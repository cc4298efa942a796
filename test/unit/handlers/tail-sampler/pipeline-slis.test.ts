import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { memoryTable } from '../../../helpers/memory-table';
import { sliBatches, sliPlan } from '../../../helpers/sli-plan';
import { sandbox, SyntheticStream } from '../../../helpers/synthetic-stream';

const POLICIES = { keepErrors: true, latencyThresholdMs: 1000, keepColdStarts: true, sampleRatio: 0 };
const C0 = 1_900_000_000_000;
const WAIT_S = 60;

type Doc = Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> } };
const COUNTS = ['Spans', 'SpansStored', 'Traces', 'TracesWithRoot', 'OrphanSpans', 'ErrorTraces', 'LateSpans'];

/** The SLI documents of all batches, by service ('' for the pipeline), summed as CloudWatch sums them. */
function summed(lines: string[]) {
  const docs = lines
    .map((l) => JSON.parse(l) as Doc)
    .filter((d) => d._aws.CloudWatchMetrics[0]!.Metrics.some((m) => m.Name === 'Spans' || m.Name === 'ExportLatency'));
  const of = (service: string) => docs.filter((d) => String(d.service ?? '') === service);
  return {
    counts: (service = '') =>
      Object.fromEntries(
        COUNTS.map((name) => [name, of(service).reduce((n, d) => n + ((d[name] as number | undefined) ?? 0), 0)]),
      ),
    latency: (service = '') => {
      const out: Record<number, number> = {};
      for (const d of of(service)) {
        const { Values, Counts } = (d.ExportLatency ?? { Values: [], Counts: [] }) as {
          Values: number[];
          Counts: number[];
        };
        Values.forEach((v, i) => (out[v] = (out[v] ?? 0) + Counts[i]!));
      }
      return out;
    },
    docs,
  };
}

// The plan, with each SLI's answer worked out from it by hand (the wait is 60 s):
// batch 1 (0 s): A whole; B with its worker's record twice; C without the api's flush (lost,
//   with the root); D's api part; E's provisional copy (an error) and its real end; F without
//   the receipt stamp; H's root.
// batch 2 (10 s): D's worker part (its parent came a batch before); G's child.
// batch 3 (30 s): G's root (a batch after its child, within G's wait); B's worker span again,
//   in a record of its own received later (a duplicate).
// batch 4 (40 s): batch 2 again (the stream redelivering it).
// batch 5 (70 s): H's child, 70 s after H's root: past H's wait. A-F and H are counted here
//   (their wait ended at 60 s), and G (opened at 10 s, its wait ends at 70 s).
// batch 6 (200 s): nothing left to count.
describe('pipeline SLIs on a synthetic stream with lost flushes, orphans, duplicates and late parts, across batches', () => {
  const stream = new SyntheticStream('slis');
  const plan = sliPlan(stream);

  const { at0, at10, at30, at70 } = sliBatches(stream, plan);
  const batches: Array<{ atS: number; records: KinesisStreamRecord[] }> = [
    { atS: 0, records: at0 },
    { atS: 10, records: at10 },
    { atS: 30, records: at30 },
    { atS: 40, records: at10 },
    { atS: 70, records: at70 },
    { atS: 200, records: [] },
  ];

  /** The batches through sandboxes over one table: `handover` is the batch from which a second sandbox takes the shard. */
  async function run(handover = batches.length) {
    const table = memoryTable();
    const clock = { now: C0 };
    const first = sandbox(table.client, clock, POLICIES, WAIT_S);
    const second = sandbox(table.client, clock, POLICIES, WAIT_S);
    const lines: string[] = [];
    const perBatch: string[][] = [];
    for (const [i, batch] of batches.entries()) {
      clock.now = C0 + batch.atS * 1000;
      const out = await (i < handover ? first : second)(batch.records);
      lines.push(...out);
      perBatch.push(out);
    }
    return { ...summed(lines), perBatch: perBatch.map(summed), requests: table.requests() };
  }

  it('counts each trace once, when its wait ends: spans once, every stored copy, roots, orphans, error traces, late spans', async () => {
    const { counts } = await run();
    expect(counts()).toEqual({
      Spans: 14, // a1 a2 a3, b1 b2, c2 c3, d1 d2, e1, f1, g1 g2, h1
      SpansStored: 18, // and the second and third copies of b2, the provisional copy of e1, late h2
      Traces: 8, // A B C D E F G H
      TracesWithRoot: 7, // all but C
      OrphanSpans: 1, // c2, whose parent was in the lost flush; not d2 or g2, whose parents came within the wait
      ErrorTraces: 1, // B; E's error was the provisional copy the real end superseded
      LateSpans: 1, // h2
    });
  });

  it('counts each service over the traces it took part in within their wait', async () => {
    const { counts } = await run();
    expect(counts('api')).toEqual({
      Spans: 8,
      SpansStored: 9,
      Traces: 7,
      TracesWithRoot: 7,
      OrphanSpans: 0,
      ErrorTraces: 1,
      LateSpans: 0,
    });
    expect(counts('worker')).toEqual({
      Spans: 6,
      SpansStored: 9,
      Traces: 5, // A B C D G: H's worker span came after H was counted
      TracesWithRoot: 4,
      OrphanSpans: 1,
      ErrorTraces: 0,
      LateSpans: 1,
    });
  });

  it('takes the export latency of each span once, from its first copy, and none from a record without the receipt stamp', async () => {
    const { latency } = await run();
    // d1 0; b2 5 (its copy received at 5000 not again), g2 5, h1 5; b1 10, c2 10; a3 15; a1 20,
    // c3 20; a2 90; e1 100 (the real end); d2 2992; g1 7950; h2 64985, late.
    expect(latency()).toEqual({ 0: 1, 5: 3, 10: 2, 15: 1, 20: 2, 90: 1, 100: 1, 2992: 1, 7950: 1, 64985: 1 });
    expect(latency('worker')).toEqual({ 5: 2, 10: 1, 15: 1, 20: 1, 2992: 1, 64985: 1 });
  });

  it('counts nothing of a trace before its wait ends, and the stored copies when first consumed', async () => {
    const { perBatch } = await run();
    expect(perBatch.map((b) => b.counts().Traces)).toEqual([0, 0, 0, 0, 8, 0]);
    expect(perBatch.map((b) => b.counts().SpansStored)).toEqual([13, 2, 2, 0, 1, 0]);
  });

  it('gives the same answers when another sandbox takes the shard over, from the table alone', async () => {
    const whole = await run();
    for (const handover of [1, 3, 4, 5]) {
      const handed = await run(handover);
      expect(handed.counts()).toEqual(whole.counts());
      expect(handed.counts('worker')).toEqual(whole.counts('worker'));
      expect(handed.latency()).toEqual(whole.latency());
    }
  });

  it("writes the pipeline's document with dims [] and each service's with dims [service]", async () => {
    const { docs } = await run();
    const dims = (doc: Record<string, unknown>) =>
      (doc._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][]; Namespace: string }> }).CloudWatchMetrics[0]!;
    expect(dims(docs.find((d) => d.service === undefined)!)).toMatchObject({ Namespace: 'hoptrace', Dimensions: [[]] });
    expect(dims(docs.find((d) => d.service === 'api')!)).toMatchObject({ Dimensions: [['service']] });
  });
});
