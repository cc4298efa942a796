// `npm start`: the whole pipeline on this machine, on embedded defaults. kinesalite (Kinesis),
// the ingest and four demo functions in serverless-offline, demo traffic across HTTP, SQS and
// SNS hops, then the traces read back from the stream by the hoptrace command's modules:
// waterfalls, stats, the service map, the HTML report, and spans sent against spans landed.
// `npm start -- --keep` leaves everything running to play with.
import { mkdir, writeFile } from 'node:fs/promises';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from '../cli/src/analyze';
import { skippedNote } from '../cli/src/commands';
import type { ViewData } from '../cli/src/model';
import { renderMap, renderStats } from '../cli/src/render/tables';
import { renderWaterfall } from '../cli/src/render/waterfall';
import { viewData } from '../cli/src/report-data';
import { streamSource } from '../cli/src/sources/kinesis';
import type { Source } from '../cli/src/sources/source';
import { renderReport } from '../cli/src/view/report';
import { formatRows, writeLocalArchive } from './archive';
import { AwsBus } from '../testing/aws-bus';
import { bundleHandler } from '../testing/bundle';
import { startLocalTailSampler, type LocalTailSampler } from './tail-sampler';
import { startExportTally, type ExportTally } from './export-tally';
import { createStream, startKinesalite, type LocalKinesis } from '../testing/kinesis';
import { startRestFrontDoor, type FrontDoor } from '../testing/rest-front-door';
import { startLocalS3, type LocalS3 } from '../testing/s3';
import { freePort, startOffline, type Offline } from '../testing/serverless-offline';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const STREAM = 'hoptrace-spans';
// The S3 stand-in's folder: the archive bucket is `.hoptrace/archive/`, its span table `spans/` in it.
const S3_ROOT = fileURLToPath(new URL('../.hoptrace/', import.meta.url));
const ARCHIVE_BUCKET = 'archive';
const REPORT = fileURLToPath(new URL('../.hoptrace/report.html', import.meta.url));
const SETTLE_MS = 10_000;
const STAGE = 'local';
const SERVICE = `hoptrace-local-${STAGE}`;
const FUNCTIONS = ['orders-api', 'inventory', 'fulfilment', 'notifier'];
const ORDERS = [
  { id: 'o-1001', sku: 'widget', quantity: 2 },
  { id: 'o-1002', sku: 'gadget', quantity: 1 },
  { id: 'o-1003', sku: 'unobtainium', quantity: 1 },
  { id: 'o-1004', sku: 'widget', quantity: 5 },
];

const started = Date.now();
const step = (message: string): void =>
  console.log(`  ${`${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(6)}  ${message}`);

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  let kinesis: LocalKinesis | undefined;
  let bus: AwsBus | undefined;
  let offline: Offline | undefined;
  let frontDoor: FrontDoor | undefined;
  let tally: ExportTally | undefined;
  let sampler: LocalTailSampler | undefined;
  let s3: LocalS3 | undefined;
  const stop = async (): Promise<void> => {
    await s3?.close();
    await sampler?.stop();
    await offline?.stop();
    await frontDoor?.close();
    await tally?.close();
    await bus?.close();
    await kinesis?.close();
  };
  // Ctrl-C (or a SIGTERM) ends `--keep`'s wait; at any other moment it stops what runs and
  // leaves. serverless-offline's process group is killed on exit whatever the moment
  // (testing/serverless-offline.ts), so a second Ctrl-C may leave at once; but the first one
  // arrives twice (the terminal signals the whole group, and tsx relays it to this process a
  // moment later), so a repeat within a second is that same one.
  let interrupted: (() => void) | undefined;
  let stoppingSince: number | undefined;
  const onSignal = (): void => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince > 1000) process.exit(130);
      return;
    }
    stoppingSince = Date.now();
    if (interrupted) return interrupted();
    console.error('\ninterrupted: stopping');
    void stop().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    console.log('hoptrace: local pipeline\n');
    await Promise.all([
      bundleHandler(`${HERE}../handlers/ingest/handler.ts`, `${HERE}.build/ingest.cjs`),
      bundleHandler(`${HERE}../handlers/archive/handler.ts`, `${HERE}.build/archive.cjs`),
      ...FUNCTIONS.map((fn) => bundleHandler(`${HERE}functions/${fn}.ts`, `${HERE}.build/${fn}.cjs`)),
    ]);
    step(`bundled the ingest, the archive function and ${FUNCTIONS.length} demo functions with esbuild`);

    kinesis = await startKinesalite();
    await createStream(kinesis.client, STREAM);
    step(`kinesalite on ${kinesis.endpoint}, stream "${STREAM}" active`);
    s3 = await startLocalS3(S3_ROOT);
    step(`S3 stand-in on ${s3.endpoint}, bucket "${ARCHIVE_BUCKET}" in ${s3.bucketDir(ARCHIVE_BUCKET)}`);

    const invoke =
      (fn: string) =>
      async (event: unknown): Promise<void> => {
        await offline!.invoke(`${SERVICE}-${fn}`, event);
      };
    bus = await AwsBus.start({
      queues: { orders: invoke('fulfilment'), 'shipments-notify': invoke('notifier') },
      topics: { shipments: [{ queue: 'shipments-notify', raw: false }] },
    });
    step(`SQS/SNS stand-in on ${bus.url}: queue orders → fulfilment, topic shipments → queue → notifier`);

    const httpPort = await freePort();
    const http = `http://127.0.0.1:${httpPort}`;
    // The ingest behind the deployed REST API's stand-in, which passes every body intact (JSON
    // or protobuf, gzipped or not); the functions' exports go through the tally on their way.
    frontDoor = await startRestFrontDoor((fn, event) => offline!.invoke(fn, event), { [STAGE]: `${SERVICE}-ingest` });
    const ingestUrl = `${frontDoor.url}/${STAGE}`;
    tally = await startExportTally(ingestUrl);
    offline = await startOffline(
      HERE,
      {
        HOPTRACE_LOCAL_HTTP: http,
        HOPTRACE_LOCAL_OTLP: tally.url,
        HOPTRACE_LOCAL_BUS: bus.url,
        HOPTRACE_LOCAL_STREAM: STREAM,
        HOPTRACE_LOCAL_KINESIS: kinesis.endpoint,
        HOPTRACE_LOCAL_S3: s3.endpoint,
        HOPTRACE_LOCAL_ARCHIVE_BUCKET: ARCHIVE_BUCKET,
      },
      { httpPort },
    );
    step(
      `serverless-offline on ${http}: ${FUNCTIONS.join(', ')}; the ingest behind the REST API's stand-in, POST ${ingestUrl}/v1/traces`,
    );

    for (const order of ORDERS) {
      const res = await fetch(`${http}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(order),
      });
      step(`POST /orders ${JSON.stringify(order)} → ${res.status} ${await res.text()}`);
    }
    await bus.idle();
    step(
      `queue and topic deliveries done (${bus.deliveryErrors.length} consumer invocation(s) failed, as the demo intends)`,
    );

    const source = streamSource({ stream: STREAM, endpoint: kinesis.endpoint }, kinesis.client);
    await settled(source, tally.spans().size);
    const data = await viewData(source, {}, Number.MAX_SAFE_INTEGER);
    const landed = new Set(Object.values(data.details).flatMap((t) => t.spans.map((s) => `${t.traceId}/${s.spanId}`)));
    step(`read the stream back: ${landed.size} spans in ${data.traces.length} trace(s)\n`);
    for (const t of [...data.traces].reverse()) console.log(`${renderWaterfall(data.details[t.traceId]!)}\n`);
    console.log(`${renderStats(data.stats)}\n\n${renderMap(data.map)}\n`);
    await mkdir(dirname(REPORT), { recursive: true });
    await writeFile(REPORT, renderReport(data));
    console.log(`HTML report: ${REPORT}\n`);
    console.log(completeness(tally.spans(), landed, tally.refused(), data, offline.output()));

    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const archive = await writeLocalArchive(
      kinesis.client,
      STREAM,
      s3.bucketDir(ARCHIVE_BUCKET),
      async (event) => (await offline!.invoke(`${SERVICE}-archive`, event)) as KinesisStreamBatchResponse,
      yesterday,
    );
    step(
      `span table: ${archive.rows} row(s) as Parquet in ${archive.dir} (${archive.failedRecords} record(s) refused); its named queries on DuckDB:`,
    );
    for (const answer of archive.answers)
      console.log(
        `\n  ${answer.name}: ${answer.description.replace(/ since a day.*$/, ' since yesterday')}\n${formatRows(answer.rows)}`,
      );

    if (keep) {
      sampler = await startLocalTailSampler(kinesis, STREAM);
      console.log(
        `\nservices are up (Ctrl-C to stop):\n  POST ${http}/orders\n  POST ${ingestUrl}/v1/traces (the ingest, no auth: OTLP/HTTP JSON or protobuf, gzip or not)\n  Kinesis ${kinesis.endpoint}, stream ${STREAM}\n  kept traces to ${sampler.forwardUrl}`,
      );
      await new Promise<void>((resolve) => (interrupted = resolve));
    }
    await stop();
    console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    console.error(`\nfailed: ${(error as Error).message}`);
    if (offline) console.error(`\nserverless-offline said:\n${offline.output().slice(-3000)}`);
    await stop();
    process.exitCode = 1;
  }
}

/**
 * Waits (a few seconds at most) until the stream holds as many spans as the functions sent:
 * an export still in flight when the last invocation returned lands a moment later.
 */
async function settled(source: Source, sent: number): Promise<void> {
  const until = Date.now() + SETTLE_MS;
  while (Date.now() < until) {
    const landed = await analyze(source).then(
      (a) => a.counts.spans,
      () => 0,
    );
    if (landed >= sent) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Spans sent against spans landed, and what hoptrace itself warned about in the functions
 * (its lines are otherwise lost in serverless-offline's output): a span the functions kept
 * back (spooled after an overrun flush, dropped) shows up here, not as a silently shorter trace.
 */
function completeness(
  sent: ReadonlySet<string>,
  landed: ReadonlySet<string>,
  refused: number,
  data: ViewData,
  offlineOutput: string,
): string {
  const missing = [...sent].filter((id) => !landed.has(id));
  const lines = [
    `spans: ${sent.size} sent by the functions, ${landed.size} landed in the stream${data.duplicates ? ` (${data.duplicates} duplicate(s) dropped)` : ''}`,
  ];
  if (missing.length > 0)
    lines.push(
      `  MISSING from the stream: ${missing.length} span(s) sent: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`,
    );
  if (refused > 0) lines.push(`  the ingest refused ${refused} export request(s)`);
  const skipped = skippedNote(data.skipped);
  if (skipped) lines.push(`  ${skipped}`);
  const warnings = [
    ...new Set(
      offlineOutput
        .split('\n')
        .filter((line) => line.includes('[hoptrace]'))
        .map((line) => line.slice(line.indexOf('[hoptrace]')).trim()),
    ),
  ];
  lines.push(
    warnings.length === 0 ? "hoptrace's warnings: none" : `hoptrace's warnings (${warnings.length}):`,
    ...warnings.map((w) => `  ${w}`),
  );
  return lines.join('\n');
}

await main();
