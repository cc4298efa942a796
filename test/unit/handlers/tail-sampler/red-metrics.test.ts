import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../../../cli/src/analyze';
import { nearestRank } from '../../../../cli/src/analysis/percentiles';
import type { Source } from '../../../../cli/src/sources/source';
import { OtlpSpanKind } from '../../../../src/otlp/types';
import { seededRandom } from '../../../../testing/split-traces';
import { consumeFresh, SyntheticStream } from '../../../helpers/synthetic-stream';

interface Doc {
  _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][] }> };
  service?: string;
  operation?: string;
  function?: string;
  Requests?: number;
  Errors?: number;
  Duration?: { Values: number[]; Counts: number[] };
  ColdStarts?: number;
}

/** The tail sampler's documents for these records, consumed in one batch with nothing stored before. */
async function consumed(records: KinesisStreamRecord[]): Promise<Doc[]> {
  const { lines } = await consumeFresh(records, {
    keepErrors: true,
    latencyThresholdMs: 1000,
    keepColdStarts: true,
    sampleRatio: 0.5,
  });
  return lines.map((l) => JSON.parse(l) as Doc);
}

/** Per service and operation: requests, errors, and the durations as CloudWatch receives them (values with counts), sorted. */
function redOf(docs: Doc[]): Map<string, { requests: number; errors: number; durations: number[] }> {
  const out = new Map<string, { requests: number; errors: number; durations: number[] }>();
  for (const d of docs.filter((d) => d.operation !== undefined)) {
    const key = `${d.service}/${d.operation}`;
    const op = out.get(key) ?? { requests: 0, errors: 0, durations: [] };
    op.requests += d.Requests ?? 0;
    op.errors += d.Errors ?? 0;
    d.Duration!.Values.forEach((v, i) => op.durations.push(...Array<number>(d.Duration!.Counts[i]!).fill(v)));
    out.set(key, op);
  }
  for (const op of out.values()) op.durations.sort((a, b) => a - b);
  return out;
}

/**
 * Traces of an API (an entry, a database call, a publish) and a worker consuming the message
 * (an entry, some work): durations to the microsecond, one trace in five failed, cold starts,
 * records the stream holds twice, and timeout-guard copies whose real end is in the batch.
 */
function syntheticRecords(count: number): KinesisStreamRecord[] {
  const stream = new SyntheticStream('red');
  const random = seededRandom(21);
  const ms = (max: number): number => Math.round(random() * max * 1000) / 1000;
  const records: KinesisStreamRecord[] = [];
  for (let i = 0; i < count; i++) {
    const api = ms(900) + 1;
    const trace = stream.trace(
      [
        {
          id: 'root',
          service: 'api',
          name: i % 2 ? 'GET /orders' : 'POST /orders',
          durationMs: api,
          error: i % 5 === 0,
          coldStart: i % 7 === 0,
        },
        {
          id: 'db',
          service: 'api',
          name: 'db',
          parent: 'root',
          kind: OtlpSpanKind.Client,
          startMs: 0.5,
          durationMs: ms(api / 2),
        },
        {
          id: 'publish',
          service: 'api',
          name: 'publish',
          parent: 'root',
          kind: OtlpSpanKind.Producer,
          startMs: 0.7,
          durationMs: 0.3,
        },
        {
          id: 'job',
          service: 'worker',
          name: 'job',
          parent: 'publish',
          kind: OtlpSpanKind.Consumer,
          startMs: 5,
          durationMs: ms(300),
          error: i % 9 === 0,
          coldStart: i % 4 === 0,
        },
        { id: 'work', service: 'worker', name: 'work', parent: 'job', startMs: 6, durationMs: ms(10) },
      ],
      i * 10,
    );
    const received = stream.t0Ms + i * 10 + 2000;
    records.push(stream.record(trace.part('api'), received));
    const worker = stream.record(trace.part('worker'), received);
    records.push(worker);
    if (i % 6 === 0) records.push(stream.again(worker));
    if (i % 8 === 0) {
      const copy = stream.trace(
        [
          {
            id: 'root',
            service: 'api',
            name: i % 2 ? 'GET /orders' : 'POST /orders',
            durationMs: 900,
            error: true,
            provisional: true,
          },
        ],
        i * 10,
        trace.traceId,
      );
      records.unshift(stream.record(copy.part('api'), received));
    }
  }
  return records;
}

describe("RED metrics before sampling and the command's stats on the same spans", () => {
  it('agree exactly on requests, errors, p50, p95 and p99 of every operation a service serves, and on cold starts', async () => {
    const records = syntheticRecords(300);
    const docs = await consumed(records);
    const source: Source = {
      description: 'synthetic records',
      async *records() {
        for (const r of records) yield { data: Buffer.from(r.kinesis.data, 'base64') };
      },
    };
    const { stats } = await analyze(source);
    const red = redOf(docs);
    // The requests a service serves: its entries. Work inside them (db, publish, work) is in stats, not in RED.
    expect([...red.keys()].sort()).toEqual(['api/GET /orders', 'api/POST /orders', 'worker/job']);
    for (const [key, op] of red) {
      const row = stats.operations.find((o) => `${o.service}/${o.name}` === key)!;
      expect({
        key,
        requests: op.requests,
        errors: op.errors,
        p50: nearestRank(op.durations, 50),
        p95: nearestRank(op.durations, 95),
        p99: nearestRank(op.durations, 99),
      }).toEqual({
        key,
        requests: row.count,
        errors: row.errors,
        p50: row.p50Ms,
        p95: row.p95Ms,
        p99: row.p99Ms,
      });
    }
    const coldStarts = Object.fromEntries(
      docs.filter((d) => d.function !== undefined).map((d) => [d.function, d.ColdStarts]),
    );
    expect(coldStarts).toEqual(Object.fromEntries(stats.functions.map((f) => [f.service, f.coldStarts])));
    expect(stats.functions.find((f) => f.service === 'worker')!.coldStarts).toBe(75);
  });

  it("files every operation's figures under its service too, which an SLO over a whole service reads", async () => {
    const docs = await consumed(syntheticRecords(20));
    const operations = docs.filter((d) => d.operation !== undefined);
    expect(operations.length).toBeGreaterThan(0);
    for (const d of operations)
      expect(d._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'operation'], ['service']]);
  });
});
