import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inSampledFraction } from '../../handlers/tail-sampler/policy';
import { HoptraceAttribute } from '../../src/otlp/hoptrace-attributes';
import { createDecisionTable } from '../../testing/decision-table';
import type { LocalEventSource } from '../../testing/event-source';
import { startTailSamplerBed, type ConsumerRun, type Lane, type TailSamplerBed } from '../../testing/tail-sampler-bed';
import { seededRandom, shuffle, splitTraces, type SplitTrace } from '../../testing/split-traces';

const RATIO = 0.25;
let bed: TailSamplerBed;
let source: LocalEventSource | undefined;
let n = 0;

beforeAll(async () => {
  bed = await startTailSamplerBed();
});
afterEach(async () => {
  await bed.reset();
  source = undefined;
});
afterAll(() => bed.close());

/** A fresh stream and decision table, and the consumer reading the one and using the other. */
async function pipeline(
  env: Record<string, string> = {},
  before?: (stream: string) => Promise<void>,
  withTable = true,
): Promise<Lane & Pick<ConsumerRun, 'lines' | 'logs'>> {
  const lane = await bed.lane(`spans-${++n}`, 2, withTable);
  await before?.(lane.stream);
  const run = await bed.consume(lane, { env: { HOPTRACE_SAMPLE_RATIO: String(RATIO), ...env }, batchSize: 50 });
  source = run.source;
  return { ...lane, lines: run.lines, logs: run.logs };
}

/** Parts `waves` of every trace, in a shuffled order, onto the stream. */
async function putWave(
  stream: string,
  traces: SplitTrace[],
  waves: number | number[],
  random: () => number,
): Promise<void> {
  const records = [waves].flat().flatMap((wave) => traces.map((t) => ({ traceId: t.traceId, data: t.parts[wave]! })));
  await bed.put(stream, shuffle(records, random));
}

function expectedKept(traces: SplitTrace[]): SplitTrace[] {
  return traces.filter((t) => t.outcome !== 'routine' || inSampledFraction(t.traceId, RATIO));
}

function received(): Map<string, string[]> {
  const byTrace = new Map<string, string[]>();
  for (const span of bed.receiver.spans())
    byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span.spanId]);
  return byTrace;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Trace ids outside the sampled fraction: only an interest policy keeps them. */
function routineIds(count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) {
    const id = createHash('sha256').update(`provisional-${i}`).digest('hex').slice(0, 32);
    if (!inSampledFraction(id, RATIO)) ids.push(id);
  }
  return ids;
}

/**
 * One invocation's entry span as a record: its real end, or the timeout guard's provisional
 * copy (ended early, ERROR, error.type=timeout, hoptrace.provisional) under the same ids.
 */
function invocation(traceId: string, name: string, copy: 'real' | 'provisional', cold = false): Buffer {
  const attributes = [
    { key: 'faas.coldstart', value: { boolValue: cold } },
    ...(copy === 'provisional'
      ? [
          { key: 'error.type', value: { stringValue: 'timeout' } },
          { key: HoptraceAttribute.Provisional, value: { boolValue: true } },
        ]
      : []),
  ];
  const span = {
    traceId,
    spanId: traceId.slice(0, 16),
    name,
    kind: 2,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: copy === 'real' ? '1700000000600000000' : '1700000000500000000',
    attributes,
    status: { code: copy === 'real' ? 0 : 2 },
  };
  return gzipSync(
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] },
          scopeSpans: [{ scope: {}, spans: [span] }],
        },
      ],
    }),
  );
}

describe('tail sampler on the stream (kinesalite, dynalite, a loopback OTLP receiver)', () => {
  it('forwards every kept trace complete, whatever order its parts arrive in, and the routine ones at the configured ratio', async () => {
    const traces = splitTraces(400);
    const { stream, lines } = await pipeline();
    const random = seededRandom(7);
    // Each wave is a function flushing later: parts of one trace reach the consumer in separate batches.
    for (let wave = 0; wave < 3; wave++) {
      await putWave(stream, traces, wave, random);
      await source!.idle();
    }

    const got = received();
    const kept = expectedKept(traces);
    for (const t of kept)
      expect([t.traceId, [...(got.get(t.traceId) ?? [])].sort()]).toEqual([t.traceId, [...t.spanIds].sort()]);
    // Every part got the same answer: a trace is at the backend whole or not at all.
    expect([...got.keys()].sort()).toEqual(kept.map((t) => t.traceId).sort());
    expect(bed.receiver.spans().length).toBe(kept.length * 6);
    // 100 routine traces at 0.25: binomial sd 4.3; the id-derived decision gives 25 ± 13 (3 sd).
    const routineKept = kept.filter((t) => t.outcome === 'routine').length;
    expect(Math.abs(routineKept - 100 * RATIO)).toBeLessThanOrEqual(13);

    const red = lines.map((l) => JSON.parse(l)).filter((d) => d.operation === 'fulfilment handle');
    expect(red.reduce((s, d) => s + d.Requests, 0)).toBe(400);
    expect(red.reduce((s, d) => s + d.Errors, 0)).toBe(
      traces.filter((t, i) => t.outcome === 'error' && i % 3 === 1).length,
    );
  });

  it('keeps nothing routine but the ratio when every policy is off', async () => {
    const traces = splitTraces(80, 2);
    const { stream } = await pipeline({
      HOPTRACE_KEEP_ERRORS: 'false',
      HOPTRACE_KEEP_LATENCY_MS: 'off',
      HOPTRACE_KEEP_COLD_STARTS: 'false',
    });
    const random = seededRandom(3);
    await putWave(stream, traces, [0, 1, 2], random);
    await source!.idle();
    expect([...received().keys()].sort()).toEqual(
      traces
        .filter((t) => inSampledFraction(t.traceId, RATIO))
        .map((t) => t.traceId)
        .sort(),
    );
  });

  it('loses nothing kept while the backend is down, and sends nothing twice after a partial retry', async () => {
    const traces = splitTraces(120, 3);
    const random = seededRandom(11);
    bed.receiver.next({ kind: 'ok' }, { kind: 'ok' }, { kind: 'ok' }).always({ kind: 'status', status: 503 });
    // All parts on the stream before the consumer starts: a batch holds several parts of a
    // trace, so a request that succeeds carries records that come after one that fails, and
    // the redelivery from the failed one brings them again. Small requests: a batch needs several.
    const { stream, logs } = await pipeline({ HOPTRACE_FORWARD_MAX_BYTES: '8000' }, (name) =>
      putWave(name, traces, [0, 1], random),
    );
    await until(() => bed.receiver.attempts >= 12);
    expect(bed.receiver.requests.length).toBe(3);
    bed.receiver.always({ kind: 'status', status: 429, retryAfter: '1' });
    await putWave(stream, traces, 2, random);
    await until(() => bed.receiver.attempts >= 20);
    bed.receiver.always({ kind: 'ok' });
    await source!.idle();

    const got = received();
    for (const t of expectedKept(traces))
      expect([t.traceId, [...(got.get(t.traceId) ?? [])].sort()]).toEqual([t.traceId, [...t.spanIds].sort()]);
    const ids = bed.receiver.spans().map((s) => `${s.traceId}/${s.spanId}`);
    expect(ids.length).toBe(new Set(ids).size);
    expect(logs.some((l) => l.message.includes('answered 503'))).toBe(true);
    expect(logs.some((l) => l.message.includes('answered 429'))).toBe(true);
  });

  it('redelivers every record while the decision store fails, and loses nothing once it is back', async () => {
    const traces = splitTraces(40, 6);
    const { stream, table, logs } = await pipeline({}, undefined, false);
    await putWave(stream, traces, [0, 1, 2], seededRandom(13));
    await until(() => logs.filter((l) => l.message.startsWith('decision store unavailable')).length >= 4);
    expect(bed.receiver.spans()).toEqual([]);
    await createDecisionTable(bed.dynamo.client, table);
    await source!.idle();
    const got = received();
    for (const t of expectedKept(traces))
      expect([t.traceId, [...(got.get(t.traceId) ?? [])].sort()]).toEqual([t.traceId, [...t.spanIds].sort()]);
    expect([...got.keys()].length).toBe(expectedKept(traces).length);
  });

  it('parks a routine part larger than a DynamoDB item, and forwards it whole when its trace turns out interesting', async () => {
    const [trace] = splitTraces(1, 5);
    const { stream } = await pipeline();
    const traceId = trace!.traceId;
    // ~900 KB of random hex gzips to ~470 KB: more than one 400 KB item.
    const big = {
      traceId,
      spanId: 'f'.repeat(16),
      name: 'big',
      kind: 1,
      startTimeUnixNano: '1',
      endTimeUnixNano: '2',
      attributes: [{ key: 'blob', value: { stringValue: randomBytes(450_000).toString('hex') } }],
      status: { code: 0 },
    };
    const routine = gzipSync(
      JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: {}, spans: [big] }] }] }),
    );
    expect(routine.length).toBeGreaterThan(400_000);
    const error = gzipSync(
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [] },
            scopeSpans: [
              { scope: {}, spans: [{ ...big, spanId: 'e'.repeat(16), attributes: [], status: { code: 2 } }] },
            ],
          },
        ],
      }),
    );
    await bed.put(stream, [{ traceId, data: routine }]);
    await source!.idle();
    expect(bed.receiver.spans()).toEqual([]);
    await bed.put(stream, [{ traceId, data: error }]);
    await source!.idle();
    const spans = bed.receiver.spans();
    expect(spans.map((s) => s.spanId).sort()).toEqual(['e'.repeat(16), 'f'.repeat(16)]);
    // Whole, with the weight of a trace kept as interesting.
    expect(spans.find((s) => s.spanId === 'f'.repeat(16))!.attributes).toEqual([
      ...big.attributes,
      { key: HoptraceAttribute.SamplingAdjustedCount, value: { doubleValue: 1 } },
    ]);
  });

  it('parks more routine parts of one trace than one DynamoDB item holds, and forwards them all when the trace turns out interesting', async () => {
    const [traceId] = routineIds(1) as [string];
    const { stream } = await pipeline();
    // 15 parts of ~30 KB gzipped each (random hex): 450 KB, past what one DynamoDB item may hold.
    const part = (i: number, status = 0): Buffer =>
      gzipSync(
        JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [] },
              scopeSpans: [
                {
                  scope: {},
                  spans: [
                    {
                      traceId,
                      spanId: i.toString(16).padStart(16, '0'),
                      name: `part ${i}`,
                      kind: 1,
                      startTimeUnixNano: '1',
                      endTimeUnixNano: '2',
                      attributes: [{ key: 'blob', value: { stringValue: randomBytes(28_000).toString('hex') } }],
                      status: { code: status },
                    },
                  ],
                },
              ],
            },
          ],
        }),
      );
    const routine = Array.from({ length: 15 }, (_, i) => part(i + 1));
    expect(routine.reduce((n, b) => n + b.length, 0)).toBeGreaterThan(400_000);
    for (const data of routine) await bed.put(stream, [{ traceId, data: data }]);
    await source!.idle();
    expect(bed.receiver.spans()).toEqual([]);
    await bed.put(stream, [{ traceId, data: part(99, 2) }]);
    await source!.idle();
    expect(
      bed.receiver
        .spans()
        .map((s) => s.name)
        .sort(),
    ).toEqual([...Array.from({ length: 15 }, (_, i) => `part ${i + 1}`), 'part 99'].sort());
  });

  it('neither keeps, forwards nor counts a provisional copy whose real copy is at hand, and keeps one that stands alone', async () => {
    const [routine, cold, timedOut, parkedFirst] = routineIds(4) as [string, string, string, string];
    // One batch: the guard's copy, then the real end of the same span, as the wrapper sends them.
    const { stream, lines } = await pipeline({}, async (name) => {
      await bed.put(name, [
        { traceId: routine, data: invocation(routine, 'routine', 'provisional') },
        { traceId: routine, data: invocation(routine, 'routine', 'real') },
        { traceId: cold, data: invocation(cold, 'cold', 'provisional', true) },
        { traceId: cold, data: invocation(cold, 'cold', 'real', true) },
        { traceId: timedOut, data: invocation(timedOut, 'timed-out', 'provisional') },
        { traceId: parkedFirst, data: invocation(parkedFirst, 'parked', 'real') },
      ]);
    });
    await source!.idle();
    const red = (operation: string): unknown[] =>
      lines
        .map((l) => JSON.parse(l))
        .filter((d) => d.operation === operation)
        .map((d) => [d.Requests, d.Errors]);
    // A routine invocation that ended in time is not an error: not kept, counted once, no error.
    expect(received().has(routine)).toBe(false);
    expect(red('routine')).toEqual([[1, 0]]);
    // Kept for its cold start: only the real copy reaches the backend, and counts.
    const spanOf = (traceId: string) =>
      bed.receiver
        .spans()
        .filter((s) => s.traceId === traceId)
        .map((s) => ({
          status: s.status.code,
          provisional: s.attributes.some((kv) => kv.key === HoptraceAttribute.Provisional),
        }));
    expect(spanOf(cold)).toEqual([{ status: 0, provisional: false }]);
    expect(red('cold')).toEqual([[1, 0]]);
    // The invocation that did time out: its provisional copy alone is the error.
    expect(spanOf(timedOut)).toEqual([{ status: 2, provisional: true }]);
    expect(red('timed-out')).toEqual([[1, 1]]);

    // The real copy parked first (routine), the provisional copy after it, in a later batch:
    // the parked real copy supersedes it, and the trace stays parked.
    expect(received().has(parkedFirst)).toBe(false);
    await bed.put(stream, [{ traceId: parkedFirst, data: invocation(parkedFirst, 'parked', 'provisional') }]);
    await source!.idle();
    expect(received().has(parkedFirst)).toBe(false);
    // When an interesting part comes, the trace goes with the real copy only.
    const error = gzipSync(
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [] },
            scopeSpans: [
              {
                scope: {},
                spans: [
                  {
                    traceId: parkedFirst,
                    spanId: 'e'.repeat(16),
                    name: 'child',
                    kind: 3,
                    startTimeUnixNano: '1',
                    endTimeUnixNano: '2',
                    attributes: [],
                    status: { code: 2 },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    await bed.put(stream, [{ traceId: parkedFirst, data: error }]);
    await source!.idle();
    expect(spanOf(parkedFirst).sort((a, b) => a.status - b.status)).toEqual([
      { status: 0, provisional: false },
      { status: 2, provisional: false },
    ]);
  });

  it('skips a record that is not a trace, with an error naming it, and loses none of the batch', async () => {
    const traces = splitTraces(8, 4).filter((t) => t.outcome === 'error');
    const { stream, logs } = await pipeline();
    await bed.put(stream, [
      { traceId: traces[0]!.traceId, data: Buffer.from('not gzip') },
      { traceId: 'not-a-trace-id', data: traces[1]!.parts[0]! },
      ...traces.flatMap((t) => t.parts.map((data) => ({ traceId: t.traceId, data }))),
    ]);
    await source!.idle();
    expect(bed.receiver.spans().length).toBe(traces.length * 6);
    expect(logs.map((l) => l.message).filter((m) => m.startsWith('record skipped'))).toEqual([
      expect.stringContaining('not gzip (a stream record starts with 1f 8b)'),
      expect.stringContaining('partition key "not-a-trace-id" is not a trace id'),
    ]);
  });
});
