// `npm start`: the whole pipeline on this machine, on embedded defaults. kinesalite (Kinesis),
// the ingest and four demo functions in serverless-offline, demo traffic across HTTP, SQS and
// SNS hops, then the traces read back from the stream and printed as waterfalls.
// `npm start -- --keep` leaves everything running to play with.
import { fileURLToPath } from 'node:url';
import { writeLocalArchive, formatRows } from './archive';
import { AwsBus } from './aws-bus';
import { bundleHandler } from './bundle';
import { startLocalTailSampler } from './consumer';
import { createStream, readStream, startKinesalite, type LocalKinesis } from './kinesis';
import { freePort, startOffline, type Offline } from './serverless-offline';
import { spansFromRecords } from './stream-spans';
import { renderTraces } from './waterfall';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const STREAM = 'hoptrace-spans';
const ARCHIVE = fileURLToPath(new URL('../.hoptrace/span-table/', import.meta.url));
const SERVICE = 'hoptrace-local-local';
const FUNCTIONS = ['orders-api', 'inventory', 'fulfilment', 'notifier'];
const ORDERS = [
  { id: 'o-1001', sku: 'widget', quantity: 2 },
  { id: 'o-1002', sku: 'gadget', quantity: 1 },
  { id: 'o-1003', sku: 'unobtainium', quantity: 1 },
  { id: 'o-1004', sku: 'widget', quantity: 5 },
];

const started = Date.now();
const step = (message: string): void => console.log(`  ${`${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(6)}  ${message}`);

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  let kinesis: LocalKinesis | undefined;
  let bus: AwsBus | undefined;
  let offline: Offline | undefined;
  const stop = async (): Promise<void> => {
    await offline?.stop();
    await bus?.close();
    await kinesis?.close();
  };
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

    const invoke = (fn: string) => async (event: unknown): Promise<void> => {
      await offline!.invoke(`${SERVICE}-${fn}`, event);
    };
    bus = await AwsBus.start({
      queues: { orders: invoke('fulfilment'), 'shipments-notify': invoke('notifier') },
      topics: { shipments: [{ queue: 'shipments-notify', raw: false }] },
    });
    step(`SQS/SNS stand-in on ${bus.url}: queue orders → fulfilment, topic shipments → queue → notifier`);

    const httpPort = await freePort();
    const http = `http://127.0.0.1:${httpPort}`;
    offline = await startOffline(HERE, {
      HOPTRACE_LOCAL_HTTP: http,
      HOPTRACE_LOCAL_BUS: bus.url,
      HOPTRACE_LOCAL_STREAM: STREAM,
      HOPTRACE_LOCAL_KINESIS: kinesis.endpoint,
    }, { httpPort });
    step(`serverless-offline on ${http}: the ingest (POST /v1/traces) and ${FUNCTIONS.join(', ')}`);

    for (const order of ORDERS) {
      const res = await fetch(`${http}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
      step(`POST /orders ${JSON.stringify(order)} → ${res.status} ${await res.text()}`);
    }
    await bus.idle();
    step(`queue and topic deliveries done (${bus.deliveryErrors.length} consumer invocation(s) failed, as the demo intends)`);

    const records = await readStream(kinesis.client, STREAM);
    const spans = spansFromRecords(records);
    const traces = new Set(spans.map((s) => s.traceId)).size;
    step(`read ${records.length} record(s) back from the stream: ${spans.length} spans in ${traces} trace(s)\n`);
    if (spans.length === 0) throw new Error('no spans reached the stream');
    console.log(renderTraces(spans));

    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const archive = await writeLocalArchive(records, ARCHIVE, (event) => offline!.invoke(`${SERVICE}-archive`, event), yesterday);
    step(`span table: ${archive.rows} row(s) as Parquet in ${ARCHIVE} (${archive.failedRecords} record(s) refused); its named queries on DuckDB:`);
    for (const answer of archive.answers) console.log(`\n  ${answer.name}: ${answer.description.replace(/ since a day.*$/, ' since yesterday')}\n${formatRows(answer.rows)}`);

    if (keep) {
      const sampler = await startLocalTailSampler(kinesis, STREAM);
      console.log(`\nservices are up (Ctrl-C to stop):\n  POST ${http}/orders\n  POST ${http}/v1/traces (the ingest, no auth)\n  Kinesis ${kinesis.endpoint}, stream ${STREAM}`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      await sampler.stop();
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

await main();
