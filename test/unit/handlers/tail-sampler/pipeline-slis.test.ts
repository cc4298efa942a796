import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { OtlpSpanKind } from '../../../../src/otlp/types';
import { consumeFresh, SyntheticStream } from '../../../helpers/synthetic-stream';

const POLICIES = { keepErrors: true, latencyThresholdMs: 1000, keepColdStarts: true, sampleRatio: 0 };

/** The consumer with a store that has seen nothing, and a backend that takes everything; the SLI documents it wrote, by service ('' for the pipeline). */
async function slisOf(records: KinesisStreamRecord[]): Promise<Map<string, Record<string, unknown>>> {
  const { lines } = await consumeFresh(records, POLICIES);
  const docs = lines.map(
    (l) =>
      JSON.parse(l) as Record<string, unknown> & {
        _aws: { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> };
      },
  );
  const slis = docs.filter((d) => d._aws.CloudWatchMetrics[0]!.Metrics.some((m) => m.Name === 'Spans'));
  return new Map(slis.map((d) => [String(d.service ?? ''), d]));
}

const counts = (doc: Record<string, unknown> | undefined) => {
  const { Spans, SpansStored, Traces, TracesWithRoot, OrphanSpans, ErrorTraces } = doc ?? {};
  return { Spans, SpansStored, Traces, TracesWithRoot, OrphanSpans, ErrorTraces };
};

describe('pipeline SLIs on a synthetic stream with lost flushes, orphans, duplicates and late parts', () => {
  const stream = new SyntheticStream('slis');
  const at = (ms: number): number => stream.t0Ms + ms;
  // A: whole. api: a1 (0-100), a2 (10-30) received at 120; worker: a3 (40-90) received at 105.
  const a = stream.trace([
    { id: 'a1', service: 'api', name: 'GET /a', durationMs: 100 },
    { id: 'a2', service: 'api', name: 'db', parent: 'a1', kind: OtlpSpanKind.Client, startMs: 10, durationMs: 20 },
    {
      id: 'a3',
      service: 'worker',
      name: 'job',
      parent: 'a2',
      kind: OtlpSpanKind.Consumer,
      startMs: 40,
      durationMs: 50,
    },
  ]);
  // B: failed at the root; the worker's record is in the stream twice. api: b1 (0-50) at 60; worker: b2 (10-40) at 45.
  const b = stream.trace([
    { id: 'b1', service: 'api', name: 'GET /b', durationMs: 50, error: true },
    {
      id: 'b2',
      service: 'worker',
      name: 'job',
      parent: 'b1',
      kind: OtlpSpanKind.Consumer,
      startMs: 10,
      durationMs: 30,
    },
  ]);
  // C: the api's flush, with the root, was lost. worker: c2 (0-30), c3 (5-20) at 40.
  const c = stream.trace([
    { id: 'c1', service: 'api', name: 'GET /c', durationMs: 60 },
    { id: 'c2', service: 'worker', name: 'job', parent: 'c1', kind: OtlpSpanKind.Consumer, durationMs: 30 },
    { id: 'c3', service: 'worker', name: 'work', parent: 'c2', startMs: 5, durationMs: 15 },
  ]);
  // D: the worker's part comes in the next batch. api: d1 (0-10) at 10; worker: d2 (2-8) at 3000.
  const d = stream.trace([
    { id: 'd1', service: 'api', name: 'GET /d', durationMs: 10 },
    { id: 'd2', service: 'worker', name: 'job', parent: 'd1', kind: OtlpSpanKind.Consumer, startMs: 2, durationMs: 6 },
  ]);
  // E: the timeout guard's copy (an error) and the real end (a success), both in the batch. At 1000 and 1500; the real one ends at 1400.
  const provisional = stream.trace([
    { id: 'e1', service: 'api', name: 'GET /e', durationMs: 900, error: true, provisional: true },
  ]);
  const e = stream.trace([{ id: 'e1', service: 'api', name: 'GET /e', durationMs: 1400 }], 0, provisional.traceId);
  // F: a record the ingest wrote before it stamped its receipt time: no export latency.
  const f = stream.trace([{ id: 'f1', service: 'api', name: 'GET /f', durationMs: 5 }]);

  const worker = { b: stream.record(b.part('worker'), at(45)) };
  const first = [
    stream.record(a.part('api'), at(120)),
    stream.record(a.part('worker'), at(105)),
    stream.record(b.part('api'), at(60)),
    worker.b,
    stream.again(worker.b),
    stream.record(c.part('worker'), at(40)),
    stream.record(d.part('api'), at(10)),
    stream.record(provisional.part('api'), at(1000)),
    stream.record(e.part('api'), at(1500)),
    stream.record(f.part('api')),
  ];
  const second = [stream.record(d.part('worker'), at(3000))];

  it('counts the pipeline: spans once, every stored copy, traces, their roots, orphans and error traces', async () => {
    const slis = await slisOf(first);
    expect(counts(slis.get(''))).toEqual({
      Spans: 10, // a1 a2 a3, b1 b2, c2 c3, d1, e1, f1
      SpansStored: 12, // and the second copy of b2, the provisional copy of e1
      Traces: 6,
      TracesWithRoot: 5, // all but C
      OrphanSpans: 1, // c2, whose parent was in the lost flush
      ErrorTraces: 1, // B; E's error was the provisional copy the real end superseded
    });
  });

  it('counts each service over the traces it took part in', async () => {
    const slis = await slisOf(first);
    expect(counts(slis.get('api'))).toEqual({
      Spans: 6,
      SpansStored: 7,
      Traces: 5,
      TracesWithRoot: 5,
      OrphanSpans: 0,
      ErrorTraces: 1,
    });
    expect(counts(slis.get('worker'))).toEqual({
      Spans: 4,
      SpansStored: 5,
      Traces: 3,
      TracesWithRoot: 2,
      OrphanSpans: 1,
      ErrorTraces: 0,
    });
  });

  it("takes the export latency of each span from its record's receipt time, and none from a record without it", async () => {
    const slis = await slisOf(first);
    const distribution = (doc: Record<string, unknown> | undefined): Record<number, number> => {
      const { Values, Counts } = doc!.ExportLatency as { Values: number[]; Counts: number[] };
      return Object.fromEntries(Values.map((v, i) => [v, Counts[i]!]));
    };
    // a1 20, a2 90, a3 15, b1 10, b2 5, c2 10, c3 20, d1 0, e1 100.
    expect(distribution(slis.get(''))).toEqual({ 0: 1, 5: 1, 10: 2, 15: 1, 20: 2, 90: 1, 100: 1 });
    expect(distribution(slis.get('worker'))).toEqual({ 15: 1, 5: 1, 10: 1, 20: 1 });
    expect(
      (slis.get('')!._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string; Unit: string }> }> })
        .CloudWatchMetrics[0]!.Metrics,
    ).toContainEqual({ Name: 'ExportLatency', Unit: 'Milliseconds' });
  });

  it('counts a part that comes after the batching window as another sighting of its trace, its span an orphan within the wait', async () => {
    const slis = await slisOf(second);
    expect(counts(slis.get(''))).toEqual({
      Spans: 1,
      SpansStored: 1,
      Traces: 1,
      TracesWithRoot: 0,
      OrphanSpans: 1,
      ErrorTraces: 0,
    });
    expect((slis.get('worker')!.ExportLatency as { Values: number[] }).Values).toEqual([2992]);
  });

  it("writes the pipeline's document with dims [] and each service's with dims [service]", async () => {
    const slis = await slisOf(first);
    const dims = (doc: Record<string, unknown>) =>
      (doc._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][]; Namespace: string }> }).CloudWatchMetrics[0]!;
    expect(dims(slis.get('')!)).toMatchObject({ Namespace: 'hoptrace', Dimensions: [[]] });
    expect(dims(slis.get('api')!)).toMatchObject({ Dimensions: [['service']] });
  });
});
