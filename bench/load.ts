import { trace } from '@opentelemetry/api';
import { nearestRank, sortedCopy } from '../cli/src/analysis/percentiles';
import { startLocalIngest } from '../testing/ingest-stack';
import { readStream, spansFromRecords } from '../testing/kinesis';
import { withTracing } from '../src/index';
import { median } from './stats';

export interface LoadOptions {
  invocations: number;
  spansPerInvocation: number;
  /** Invocations in flight at once, as in one sandbox serving many (Lambda Managed Instances). */
  concurrency: number;
  log?: (message: string) => void;
}

export interface LoadResult {
  spansIn: number;
  spansOut: number;
  lost: number;
  duplicates: number;
  seconds: number;
  spansPerSecond: number;
  flushP50Ms: number;
  flushP99Ms: number;
}

/**
 * Wrapped invocations in parallel, exporting to the ingest in serverless-offline, which
 * writes to kinesalite; then every record read back, and each span id counted. Bounded by
 * `invocations` and loopback only; it stops by itself.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const log = options.log ?? (() => undefined);
  const ingest = await startLocalIngest('load', 4);
  log(`kinesalite on ${ingest.kinesis.endpoint}; the ingest in serverless-offline on ${ingest.url}`);
  try {
    const made = new Set<string>();
    const flushMs: number[] = [];
    const tracer = trace.getTracer('load');
    const handler = withTracing(
      async (event: { n: number }) => {
        made.add(trace.getActiveSpan()!.spanContext().spanId);
        for (let i = 1; i < options.spansPerInvocation; i++) {
          const span = tracer.startSpan(`work ${i}`, { attributes: { 'load.invocation': event.n, 'load.step': i } });
          made.add(span.spanContext().spanId);
          span.end();
        }
        // Returned as the result, so concurrent invocations each time their own flush.
        return performance.now();
      },
      // A generous budget: this run measures the flush, and counts every span.
      {
        endpoint: `${ingest.url}/v1/traces`,
        flushTimeoutMs: 10_000,
        spool: false,
        maxSpansPerInvocation: options.spansPerInvocation + 1,
      },
    );
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.invocations) {
          const n = next++;
          const handlerEnd = await handler(
            { n },
            { awsRequestId: `load-${n}`, functionName: 'load', getRemainingTimeInMillis: () => 30_000 },
          );
          flushMs.push(performance.now() - handlerEnd);
          if (n > 0 && n % 500 === 0) log(`${n} invocations`);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    // Spans made outside the count (the cold start's init span) are not the load's.
    const landed = (await spansFromRecords(await readStream(ingest.kinesis.client, 'load'))).filter(
      (s) => s.name !== 'init',
    );
    const ids = landed.map((s) => s.spanId);
    const unique = new Set(ids);
    let lost = 0;
    for (const id of made) if (!unique.has(id)) lost++;
    return {
      spansIn: made.size,
      spansOut: unique.size,
      lost,
      duplicates: ids.length - unique.size,
      seconds,
      spansPerSecond: made.size / seconds,
      flushP50Ms: median(flushMs),
      flushP99Ms: nearestRank(sortedCopy(flushMs), 99),
    };
  } finally {
    await ingest.stop();
  }
}
