// What tracing costs a function, under the real runtime interface client against the
// freezing Runtime + Extensions API of testing/, with an OTLP endpoint that answers in
// 40 ms (about the deployed ingest: REST API, Lambda, PutRecords). Three variants of the same
// handler (a root and 3 child spans): bare, the OpenTelemetry SDK (BatchSpanProcessor and
// forceFlush before each return, as bench/handlers/otel-sdk.ts), and hoptrace with
// hoptrace/lambda. Then dollars per million traced invocations at three traffic shapes, from
// the counts measured here times the list prices of PRICES.
//
// Alone: `npx tsx bench/lambda-cost.ts [--quick]`; in `npm run bench`'s table otherwise;
// `--intervals` runs the sweep behind the export interval's default.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { nearestRank, sortedCopy } from '../cli/src/analysis/percentiles';
import { readIngestConfig } from '../handlers/ingest/config';
import { decodeExportRequest } from '../handlers/ingest/decode';
import { buildRecords } from '../handlers/ingest/records';
import { LambdaRuntimeApi } from '../testing/lambda-runtime-api';
import { deployment, RIC, startSandbox } from '../testing/lambda-sandbox';
import { OtlpReceiver } from '../testing/otlp-receiver';
import { median } from './stats';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const INGEST_MS = 40;
const SPANS_PER_INVOCATION = 4;

/**
 * AWS list prices, us-east-1, as published on aws.amazon.com/pricing and read on 2026-12-01
 * (not fetched by this run: the machine has no network). Change them here only.
 */
export const PRICES = {
  region: 'us-east-1',
  date: '2026-12-01',
  lambdaRequestPerMillion: 0.2,
  lambdaGbSecondX86: 0.0000166667,
  lambdaGbSecondArm: 0.0000133334,
  restApiPerMillion: 3.5,
  kinesisOnDemandPerGbIn: 0.08,
  /** Kinesis on-demand bills each record's data in rounded up to 1 KB (the pricing page's "Data-In"). */
  kinesisRecordRoundingBytes: 1024,
  /** On-demand "Data-Out": what each consumer reads, the archive's event source mapping included. */
  kinesisOnDemandPerGbRetrieved: 0.04,
  s3PerGbMonth: 0.023,
  s3PutPerThousand: 0.005,
  athenaPerTbScanned: 5,
  xrayPerMillionTraces: 5,
} as const;

/** What the model assumes besides the prices: the traced function's and the ingest's memory, retention, reads. */
export const ASSUMPTIONS = {
  functionMemoryGb: 1, // x86
  ingestMemoryGb: 0.5, // arm64, serverless.yml
  ingestBilledMs: INGEST_MS,
  archiveMemoryGb: 1, // arm64, serverless.yml
  /** The mapping's MaximumBatchingWindowInSeconds (infra/archive.yml): at least one batch, one object, this often. */
  archiveBatchWindowSeconds: 300,
  /** Record bytes one batch holds at most: Lambda's 6 MB invocation payload, the records in it base64. */
  archiveBatchMaxBytes: (6 * 2 ** 20 * 3) / 4,
  /** Billed per batch besides its CPU: the S3 PUT's round trip (not measured here: no S3 on this machine). */
  archivePutMs: 50,
  archiveMonths: 1,
  athenaScansPerSpan: 1,
} as const;

export type CostVariant = 'bare' | 'otel-sdk' | 'hoptrace';

const ENTRIES: Record<CostVariant, string> = {
  bare: "export { handler } from './bare';",
  'otel-sdk': "export { handler } from './otel-sdk';",
  hoptrace:
    "import { withTracing } from 'hoptrace';\nimport { work } from './logic';\nexport const handler = withTracing(work);",
};

export interface CostFigures {
  variant: CostVariant;
  rate: number;
  invocations: number;
  /** From the dispatch to the sandbox done with it (frozen, or on to the next invocation), per invocation. */
  billedMs: number;
  /** Of that, after the response. */
  afterResponseMs: number;
  requestsPerInvocation: number;
  cpuMsPerInvocation: number;
  spansLost: number;
  /** Span end to the ingest's answer, for spans answered before the shutdown. */
  latencyP50Ms: number;
  latencyMaxMs: number;
  /** Spans still in the batch when traffic stopped, sent by the shutdown. */
  spansAtShutdown: number;
  /** Kinesis records (one per trace), as the ingest would write them, and the bytes Kinesis bills for them. */
  recordsPerInvocation: number;
  kinesisBilledBytesPerInvocation: number;
  /** The records' own bytes, as consumers read them. */
  streamBytesPerInvocation: number;
}

async function bundle(variant: CostVariant): Promise<string> {
  const result = await build({
    stdin: { contents: ENTRIES[variant], resolveDir: resolve(ROOT, 'bench/handlers'), loader: 'ts' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['@opentelemetry/api', 'hoptrace'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** User and system CPU of a process so far, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

const ingestConfig = readIngestConfig({
  HOPTRACE_STREAM_NAME: 'bench',
  HOPTRACE_INGEST_KEYS_PARAMETER: '/bench/keys',
  HOPTRACE_MAX_RECORDS_PER_REQUEST: '1000000',
});
const rules = { maxCount: 128, maxValueLength: 8192, redactor: ingestConfig.redactor };

/** One sandbox of `variant`, `count` invocations dispatched at `rate` per second after a warm-up, then the shutdown. */
export async function costRun(
  variant: CostVariant,
  rate: number,
  count: number,
  warmup = 20,
  env: Record<string, string> = {},
): Promise<CostFigures> {
  const receiver = (await OtlpReceiver.start()).always({ kind: 'slow', ms: INGEST_MS });
  const api = await LambdaRuntimeApi.start({ timeoutMs: 10_000 });
  const task = await deployment({ 'index.js': await bundle(variant) });
  const extension: Record<string, string> =
    variant === 'hoptrace' ? { NODE_OPTIONS: `--import hoptrace/lambda ${env.NODE_OPTIONS ?? ''}`.trim() } : {};
  const sandbox = startSandbox(
    api.address,
    task.root,
    {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
      OTEL_LOG_LEVEL: 'none',
      OTEL_SERVICE_NAME: 'bench',
      ...env,
      ...extension,
    },
    RIC,
  );
  const pid = sandbox.child.pid!;
  api.attach(pid);
  try {
    for (let i = 0; i < warmup; i++) {
      await api.invoke({ id: `w${i}` });
      await api.nextFreeze();
    }
    await sleep(1000 / rate);
    const cpuBefore = cpuMs(pid);
    const attemptsBefore = receiver.attempts;
    const startedAt = performance.now();
    const pending = [];
    for (let i = 0; i < count; i++) {
      await sleep(startedAt + (i * 1000) / rate - performance.now());
      pending.push(api.invoke({ id: `i${i}` }));
    }
    const responses = await Promise.all(pending);
    await api.nextFreeze();
    const cpu = cpuMs(pid) - cpuBefore;
    const billed: number[] = [];
    const after: number[] = [];
    for (const response of responses) {
      const dispatchIndex = api.moments.findIndex((m) => m.kind === 'invoke' && m.requestId === response.requestId);
      const responseIndex = api.moments.findIndex(
        (m, i) => i > dispatchIndex && m.kind === 'response' && m.requestId === response.requestId,
      );
      const done = api.moments.find((m, i) => i > responseIndex && (m.kind === 'freeze' || m.kind === 'invoke'))!;
      billed.push(done.at - api.moments[dispatchIndex]!.at);
      after.push(done.at - response.at);
    }
    const shutdownAt = performance.now();
    await api.shutdown(sandbox.child, 500);
    const ids = new Set(
      receiver
        .spans()
        .filter((s) => s.name !== 'init')
        .map((s) => s.spanId),
    );
    const expected = variant === 'bare' ? 0 : (warmup + count) * SPANS_PER_INVOCATION;
    const latencies: number[] = [];
    let atShutdown = 0;
    for (const request of receiver.requests) {
      const answeredMs = performance.timeOrigin + request.at + INGEST_MS;
      for (const rs of request.body.resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const span of ss.spans) {
            if (request.at >= shutdownAt) atShutdown++;
            else latencies.push(answeredMs - Number(BigInt(span.endTimeUnixNano) / 1_000_000n));
          }
    }
    const records = receiver.requests.flatMap(
      (r) => buildRecords(decodeExportRequest({ format: 'json', text: JSON.stringify(r.body) }, rules).groups).records,
    );
    const invocationsSent = warmup + count;
    const sizes = records.map((r) => r.data.length + r.partitionKey.length);
    return {
      variant,
      rate,
      invocations: count,
      billedMs: median(billed),
      afterResponseMs: median(after),
      requestsPerInvocation: (receiver.attempts - attemptsBefore) / count,
      cpuMsPerInvocation: cpu / count,
      spansLost: Math.max(0, expected - ids.size),
      latencyP50Ms: latencies.length ? median(latencies) : 0,
      latencyMaxMs: nearestRank(sortedCopy(latencies), 100),
      spansAtShutdown: atShutdown,
      recordsPerInvocation: records.length / invocationsSent,
      kinesisBilledBytesPerInvocation: billedBytes(sizes, PRICES.kinesisRecordRoundingBytes) / invocationsSent,
      streamBytesPerInvocation: billedBytes(sizes, 1) / invocationsSent,
    };
  } finally {
    sandbox.kill();
    await api.close();
    await receiver.close();
    task.remove();
  }
}

/** What the archive benchmark measured: Parquet bytes per span, and the archive function's spans per CPU second. */
export interface ArchiveBytes {
  parquetBytesPerSpan: number;
  spansPerSecond: number;
}

export interface CostLine {
  shape: string;
  billedAddedMs: number;
  requestsPerInvocation: number;
  /** Dollars per million traced invocations, by part. */
  lambda: number;
  api: number;
  ingest: number;
  stream: number;
  archive: number;
  athena: number;
  total: number;
}

const GB = 2 ** 30;

/** The bytes billed for records of these sizes when each is rounded up to a multiple of `increment`. */
export function billedBytes(sizes: readonly number[], increment: number): number {
  return sizes.reduce((n, size) => n + Math.ceil(size / increment) * increment, 0);
}

/** Dollars per million traced invocations, from one shape's measured hoptrace and bare runs. */
export function costPerMillion(shape: string, traced: CostFigures, bare: CostFigures, archive: ArchiveBytes): CostLine {
  const m = 1e6;
  const billedAddedMs = Math.max(0, traced.billedMs - bare.billedMs);
  const lambda = (billedAddedMs / 1000) * ASSUMPTIONS.functionMemoryGb * PRICES.lambdaGbSecondX86 * m;
  const requests = traced.requestsPerInvocation * m;
  const api = (requests / 1e6) * PRICES.restApiPerMillion;
  const ingest =
    (requests / 1e6) * PRICES.lambdaRequestPerMillion +
    requests * (ASSUMPTIONS.ingestBilledMs / 1000) * ASSUMPTIONS.ingestMemoryGb * PRICES.lambdaGbSecondArm;
  // One consumer reads the stream by default: the archive (tail sampling is opt-in).
  const stream =
    ((traced.kinesisBilledBytesPerInvocation * m) / GB) * PRICES.kinesisOnDemandPerGbIn +
    ((traced.streamBytesPerInvocation * m) / GB) * PRICES.kinesisOnDemandPerGbRetrieved;
  const parquetBytes = archive.parquetBytesPerSpan * SPANS_PER_INVOCATION * m;
  // Batches: one per batching window for this sandbox's traffic alone (an upper bound for a
  // fleet, whose sandboxes share a shard's batches), or more when the window holds more
  // records than a batch takes. Each batch is one invocation and one object (its day).
  const batches = Math.max(
    m / traced.rate / ASSUMPTIONS.archiveBatchWindowSeconds,
    (traced.streamBytesPerInvocation * m) / ASSUMPTIONS.archiveBatchMaxBytes,
  );
  const archiveSeconds =
    (SPANS_PER_INVOCATION * m) / archive.spansPerSecond + (batches * ASSUMPTIONS.archivePutMs) / 1000;
  const archiveCost =
    (batches / 1e6) * PRICES.lambdaRequestPerMillion +
    archiveSeconds * ASSUMPTIONS.archiveMemoryGb * PRICES.lambdaGbSecondArm +
    (batches / 1000) * PRICES.s3PutPerThousand +
    (parquetBytes / GB) * PRICES.s3PerGbMonth * ASSUMPTIONS.archiveMonths;
  const athena = ((parquetBytes * ASSUMPTIONS.athenaScansPerSpan) / 2 ** 40) * PRICES.athenaPerTbScanned;
  return {
    shape,
    billedAddedMs,
    requestsPerInvocation: traced.requestsPerInvocation,
    lambda,
    api,
    ingest,
    stream,
    archive: archiveCost,
    athena,
    total: lambda + api + ingest + stream + archiveCost + athena,
  };
}

export interface LambdaCostResult {
  /** At 20/s: the three variants side by side. */
  steady: Record<CostVariant, CostFigures>;
  shapes: CostLine[];
  shapeRuns: Array<{ shape: string; traced: CostFigures; bare: CostFigures }>;
}

/**
 * The 20/s comparison, then the three shapes for the cost model. "1/min" runs with gaps over
 * the export interval: hoptrace treats any such gap alike (sporadic: an export at the end of
 * each invocation), so the figures are those of one invocation a minute, but for the
 * reconnect a real minute-long freeze may add.
 */
export async function lambdaCost(quick: boolean, archive: ArchiveBytes): Promise<LambdaCostResult> {
  const steadyCount = quick ? 100 : 400;
  const steady = {} as Record<CostVariant, CostFigures>;
  for (const variant of ['bare', 'otel-sdk', 'hoptrace'] as const)
    steady[variant] = await costRun(variant, 20, steadyCount);
  const shapes: Array<[string, number, number]> = [
    ['1/min', 1 / 1.5, quick ? 5 : 12],
    ['5/s', 5, quick ? 50 : 150],
    ['50/s', 50, quick ? 250 : 1000],
  ];
  const shapeRuns = [];
  for (const [shape, rate, count] of shapes) {
    const bare = await costRun('bare', rate, count, 4);
    const traced = await costRun('hoptrace', rate, count, 4);
    shapeRuns.push({ shape, traced, bare });
  }
  return { steady, shapes: shapeRuns.map((r) => costPerMillion(r.shape, r.traced, r.bare, archive)), shapeRuns };
}

const f = (n: number, digits = 2): string => n.toFixed(digits);
const usd = (n: number): string => `$${n < 0.01 ? n.toFixed(4) : n.toFixed(3)}`;

/** The markdown of the results: the 20/s table, the cost table, the price table. */
export function costTables(result: LambdaCostResult): string[] {
  const { steady, shapes, shapeRuns } = result;
  const lines = [
    '## What tracing costs a function (billed time, requests, CPU, dollars)',
    '',
    `The same handler (a root and 3 child spans) in one sandbox of the real runtime interface client (aws-lambda-ric ${RIC}.x) against the freezing Runtime + Extensions API of testing/, at 20 invocations/s, exporting to an OTLP endpoint that answers in ${INGEST_MS} ms; ${steady.bare.invocations} invocations after 20 of warm-up, then the shutdown. Billed: from the dispatch to the sandbox done with the invocation (frozen, or on to the next one), medians. CPU counts the runtime client's own work. Spans lost: sent spans counted by id at the endpoint after the shutdown.`,
    '',
    '| variant | billed per invocation (ms) | of it after the response (ms) | ingest requests per invocation | CPU per invocation (ms) | spans lost |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const labels: Record<CostVariant, string> = {
    bare: 'bare handler',
    'otel-sdk': 'OpenTelemetry SDK (BatchSpanProcessor, forceFlush before each return)',
    hoptrace: 'hoptrace + hoptrace/lambda',
  };
  for (const v of ['bare', 'otel-sdk', 'hoptrace'] as const) {
    const x = steady[v];
    lines.push(
      `| ${labels[v]} | ${f(x.billedMs)} | ${f(x.afterResponseMs)} | ${f(x.requestsPerInvocation, 3)} | ${f(x.cpuMsPerInvocation)} | ${v === 'bare' ? '–' : x.spansLost} |`,
    );
  }
  const h = steady.hoptrace;
  lines.push(
    '',
    `hoptrace's export latency at 20/s (span end to the endpoint's answer): median ${f(h.latencyP50Ms, 0)} ms, at most ${f(h.latencyMaxMs, 0)} ms; when the traffic stopped, ${h.spansAtShutdown} spans were still in the batch (on disk in /tmp) and left with the shutdown.`,
    '',
    `Dollars per million traced invocations, hoptrace + hoptrace/lambda, from the counts measured at each shape (a bare and a traced sandbox each): billed time added over bare at ${ASSUMPTIONS.functionMemoryGb * 1024} MB (x86), the REST API and the ingest function (${ASSUMPTIONS.ingestMemoryGb * 1024} MB arm64, ${ASSUMPTIONS.ingestBilledMs} ms) per ingest request, Kinesis on-demand for the stream records the ingest writes (one per trace, each rounded up to 1 KB in, read once by the archive), and the archive: the archive function reading the stream through its event source mapping, one invocation and one Parquet object (an S3 PUT) per batch (one batch each ${ASSUMPTIONS.archiveBatchWindowSeconds} s for this sandbox's traffic alone, an upper bound, or more when the records outgrow a batch), billed for its CPU time (${ASSUMPTIONS.archiveMemoryGb * 1024} MB arm64, spans per CPU second from the archive benchmark) and ${ASSUMPTIONS.archivePutMs} ms of PUT per batch, and the Parquet kept ${ASSUMPTIONS.archiveMonths} month; scanned by Athena ${ASSUMPTIONS.athenaScansPerSpan}× (Parquet bytes per span from the archive benchmark). Tail sampling is opt-in and not counted. X-Ray: ${usd(PRICES.xrayPerMillionTraces)} per million traces recorded.`,
    '',
    '| shape (per sandbox) | billed added (ms) | ingest requests per invocation | function time | REST API | ingest function | stream | archive | Athena | total | vs X-Ray |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const c of shapes) {
    lines.push(
      `| ${c.shape} | ${f(c.billedAddedMs)} | ${f(c.requestsPerInvocation, 3)} | ${usd(c.lambda)} | ${usd(c.api)} | ${usd(c.ingest)} | ${usd(c.stream)} | ${usd(c.archive)} | ${usd(c.athena)} | **${usd(c.total)}** | 1/${f(PRICES.xrayPerMillionTraces / c.total, 1)} |`,
    );
  }
  lines.push(
    '',
    `Runs behind it: ${shapeRuns.map((r) => `${r.shape}: ${r.traced.invocations} invocations, ${r.traced.spansLost} spans lost`).join('; ')}.`,
    '',
  );
  lines.push(
    `AWS list prices used (${PRICES.region}, as published on ${PRICES.date}; not fetched by the run):`,
    '',
    '| item | price |',
    '| --- | --- |',
  );
  const rows: Array<[string, string]> = [
    ['Lambda requests', `$${PRICES.lambdaRequestPerMillion} per million`],
    ['Lambda duration, x86', `$${PRICES.lambdaGbSecondX86} per GB-second`],
    ['Lambda duration, arm64', `$${PRICES.lambdaGbSecondArm} per GB-second`],
    ['API Gateway REST API', `$${PRICES.restApiPerMillion} per million requests`],
    [
      'Kinesis Data Streams on-demand, data in',
      `$${PRICES.kinesisOnDemandPerGbIn} per GB, each record rounded up to 1 KB (plus a per-stream hourly charge, not per invocation)`,
    ],
    ['Kinesis Data Streams on-demand, data out', `$${PRICES.kinesisOnDemandPerGbRetrieved} per GB read, per consumer`],
    ['S3 Standard', `$${PRICES.s3PerGbMonth} per GB-month`],
    ['S3 PUT requests', `$${PRICES.s3PutPerThousand} per 1,000`],
    ['Athena', `$${PRICES.athenaPerTbScanned} per TB scanned`],
    ['X-Ray traces recorded', `$${PRICES.xrayPerMillionTraces} per million`],
  ];
  for (const [item, price] of rows) lines.push(`| ${item} | ${price} |`);
  lines.push('');
  return lines;
}

/**
 * The sweep behind HOPTRACE_EXPORT_INTERVAL_MS's default: hoptrace at 5, 20 and 50/s with
 * each interval; requests per invocation against export latency.
 */
export async function intervalSweep(intervals: readonly number[], rates: readonly number[]): Promise<string[]> {
  const lines = [
    '| interval (ms) | invocations/s | ingest requests per invocation | billed (ms) | latency median / max (ms) | spans lost |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const interval of intervals) {
    for (const rate of rates) {
      const r = await costRun('hoptrace', rate, rate * 10, 20, { HOPTRACE_EXPORT_INTERVAL_MS: String(interval) });
      lines.push(
        `| ${interval} | ${rate} | ${f(r.requestsPerInvocation, 3)} | ${f(r.billedMs)} | ${f(r.latencyP50Ms, 0)} / ${f(r.latencyMaxMs, 0)} | ${r.spansLost} |`,
      );
    }
  }
  return lines;
}

if (
  process.argv[1] &&
  resolve(process.argv[1]) === fileURLToPath(import.meta.url) &&
  process.argv.includes('--intervals')
) {
  console.log((await intervalSweep([250, 500, 1000, 2000], [5, 20, 50])).join('\n'));
} else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const { archiveThroughput } = await import('./archive');
  const archive = await archiveThroughput(1);
  const result = await lambdaCost(quick, archive);
  console.log(costTables(result).join('\n'));
}
