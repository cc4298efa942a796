// The plan of the pipeline-SLI tests (unit and through kinesalite): the traces whose SLIs
// each test works out by hand. Times are from the stream's t0; each test sends the parts in
// its own batches.
import { OtlpSpanKind } from '../../src/otlp/types';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { SyntheticStream } from './synthetic-stream';

/** A whole; B failed at the root; C without the api's flush (the root); D's worker a batch after its parent; E's provisional copy and real end; F without the receipt stamp; G's root a batch after its child; H's child past H's wait. */
export function sliPlan(stream: SyntheticStream) {
  // A: api a1 (0-100), a2 (10-30) received at 120; worker a3 (40-90) at 105.
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
  // B: failed at the root. api b1 (0-50) at 60; worker b2 (10-40) at 45, and again at 5000.
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
  // C: the api's flush with the root was lost. worker c2 (0-30), c3 (5-20) at 40.
  const c = stream.trace([
    { id: 'c1', service: 'api', name: 'GET /c', durationMs: 60 },
    { id: 'c2', service: 'worker', name: 'job', parent: 'c1', kind: OtlpSpanKind.Consumer, durationMs: 30 },
    { id: 'c3', service: 'worker', name: 'work', parent: 'c2', startMs: 5, durationMs: 15 },
  ]);
  // D: api d1 (0-10) at 10; worker d2 (2-8) at 3000, a batch later.
  const d = stream.trace([
    { id: 'd1', service: 'api', name: 'GET /d', durationMs: 10 },
    { id: 'd2', service: 'worker', name: 'job', parent: 'd1', kind: OtlpSpanKind.Consumer, startMs: 2, durationMs: 6 },
  ]);
  // E: the timeout guard's copy (an error) at 1000 and the real end (a success, at 1400) at 1500.
  const provisional = stream.trace([
    { id: 'e1', service: 'api', name: 'GET /e', durationMs: 900, error: true, provisional: true },
  ]);
  const e = stream.trace([{ id: 'e1', service: 'api', name: 'GET /e', durationMs: 1400 }], 0, provisional.traceId);
  // F: a record without the receipt stamp: no export latency.
  const f = stream.trace([{ id: 'f1', service: 'api', name: 'GET /f', durationMs: 5 }]);
  // G: api g1 (0-50) at 8000, a batch after worker g2 (10-20) at 25.
  const g = stream.trace([
    { id: 'g1', service: 'api', name: 'GET /g', durationMs: 50 },
    {
      id: 'g2',
      service: 'worker',
      name: 'job',
      parent: 'g1',
      kind: OtlpSpanKind.Consumer,
      startMs: 10,
      durationMs: 10,
    },
  ]);
  // H: api h1 (0-40) at 45; worker h2 (5-15) at 65000, past the wait.
  const h = stream.trace([
    { id: 'h1', service: 'api', name: 'GET /h', durationMs: 40 },
    { id: 'h2', service: 'worker', name: 'job', parent: 'h1', kind: OtlpSpanKind.Consumer, startMs: 5, durationMs: 10 },
  ]);
  return { a, b, c, d, provisional, e, f, g, h };
}

/**
 * The plan's records by the second of the batch that carries them: at 0 s A whole, B with its
 * worker's record twice, C without the api's flush, D's api part, E's provisional copy and real
 * end, F without the receipt stamp, H's root; at 10 s D's worker and G's child; at 30 s G's
 * root and B's worker span again, later; at 70 s H's child, past H's wait.
 */
export function sliBatches(stream: SyntheticStream, plan: ReturnType<typeof sliPlan>) {
  const { a, b, c, d, provisional, e, f, g, h } = plan;
  const at = (ms: number): number => stream.t0Ms + ms;
  const workerB = stream.record(b.part('worker'), at(45));
  const batches: Record<'at0' | 'at10' | 'at30' | 'at70', KinesisStreamRecord[]> = {
    at0: [
      stream.record(a.part('api'), at(120)),
      stream.record(a.part('worker'), at(105)),
      stream.record(b.part('api'), at(60)),
      workerB,
      stream.again(workerB),
      stream.record(c.part('worker'), at(40)),
      stream.record(d.part('api'), at(10)),
      stream.record(provisional.part('api'), at(1000)),
      stream.record(e.part('api'), at(1500)),
      stream.record(f.part('api')),
      stream.record(h.part('api'), at(45)),
    ],
    at10: [stream.record(d.part('worker'), at(3000)), stream.record(g.part('worker'), at(25))],
    at30: [stream.record(g.part('api'), at(8000)), stream.record(b.part('worker'), at(5000))],
    at70: [stream.record(h.part('worker'), at(65_000))],
  };
  return batches;
}
