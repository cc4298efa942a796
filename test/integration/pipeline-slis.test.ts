import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerDeadline } from '../../handlers/ingest/answer-deadline';
import { readIngestConfig } from '../../handlers/ingest/config';
import { ingest } from '../../handlers/ingest/ingest';
import type { PutRecords } from '../../handlers/ingest/kinesis-writer';
import { OtlpExporter } from '../../src/exporter/exporter';
import { Redactor } from '../../src/redaction';
import { startTailSamplerBed, type Lane, type TailSamplerBed } from '../../testing/tail-sampler-bed';
import { endedSpan } from '../helpers/recording-spans';

// The pipeline SLIs end to end: the real exporter stamps its exports, the ingest (behind a
// loopback HTTP server) writes them to kinesalite, and the tail sampler reads the stream
// through the event source stand-in, with its decisions in dynalite.
let bed: TailSamplerBed;
let lane: Lane;
let front: http.Server;
const metrics: string[] = [];
/** While set, the ingest's records are taken and lost: a flush the stream never got. */
let losing = false;

const STREAM = 'slis-spans';
const config = readIngestConfig({ HOPTRACE_STREAM_NAME: STREAM, HOPTRACE_INGEST_AUTH: 'none' });

beforeAll(async () => {
  bed = await startTailSamplerBed();
  lane = await bed.lane(STREAM);
  const put: PutRecords = async (input) => {
    if (losing) return { FailedRecordCount: 0, Records: input.Records.map(() => ({})) };
    return bed.kinesis.client.send(new PutRecordsCommand(input));
  };
  front = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const event = {
        httpMethod: 'POST',
        headers,
        body: Buffer.concat(chunks).toString('base64'),
        isBase64Encoded: true,
      };
      void ingest(event, config, put, answerDeadline(undefined, Date.now(), 10_000, config), undefined, (line) =>
        metrics.push(line),
      ).then((answer) => {
        res
          .writeHead(answer.statusCode, answer.headers as http.OutgoingHttpHeaders)
          .end(answer.isBase64Encoded ? Buffer.from(answer.body, 'base64') : answer.body);
      });
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => front.close(() => resolve()));
  await bed.close();
});

const exporterFor = (service: string): OtlpExporter =>
  new OtlpExporter({
    endpoint: `http://127.0.0.1:${(front.address() as AddressInfo).port}/v1/traces`,
    headers: {},
    compression: 'gzip',
    requestTimeoutMs: 5000,
    maxExportBytes: 1 << 20,
    resource: { 'service.name': service },
    redactor: new Redactor([]),
    spool: undefined,
  });

describe('pipeline SLIs through the ingest, kinesalite and the tail sampler', () => {
  it('give coverage, orphans, error traces, export latency and loss their known values on a stream with a lost flush', async () => {
    const [t1, t2, t3] = [1, 2, 3].map(() => randomBytes(16).toString('hex')) as [string, string, string];
    const r1 = endedSpan('GET /one', { traceId: t1 });
    const c1 = endedSpan('db', { traceId: t1, parent: r1 });
    const r2 = endedSpan('GET /two', { traceId: t2, error: true });
    const r3 = endedSpan('GET /three', { traceId: t3 });
    const w = [
      endedSpan('job', { traceId: t1, parent: c1 }),
      endedSpan('job', { traceId: t2, parent: r2 }),
      endedSpan('job', { traceId: t3, parent: r3 }),
    ];
    const api = exporterFor('api');
    const worker = exporterFor('worker');
    await api.export([r1, c1, r2], Date.now() + 5000);
    losing = true;
    await api.export([r3], Date.now() + 5000);
    losing = false;
    await worker.export(w, Date.now() + 5000);

    // The consumer's clock: the traces are counted by the first batch of their shard after the wait (60 s).
    let now = Date.now();
    const { source, lines } = await bed.consume(lane, {
      env: { HOPTRACE_SAMPLE_RATIO: '0' },
      batchSize: 50,
      now: () => now,
    });
    await source.idle();
    now += 60_000;
    await bed.tick(lane.stream);
    await source.idle();
    await source.stop();

    // Summed over the two shards' batches, as CloudWatch sums them.
    const docs = [...lines, ...metrics].map((l) => JSON.parse(l) as Record<string, unknown>);
    const sum = (service: string | undefined, name: string) =>
      docs
        .filter((d) => d.service === service && typeof d[name] === 'number')
        .reduce((n, d) => n + (d[name] as number), 0);
    const slis = (service?: string) =>
      Object.fromEntries(
        [
          'SpansSent',
          'SpansStored',
          'Spans',
          'Traces',
          'TracesWithRoot',
          'OrphanSpans',
          'ErrorTraces',
          'SpansDropped',
        ].map((n) => [n, sum(service, n)]),
      );
    expect(slis()).toEqual({
      SpansSent: 7,
      SpansStored: 6,
      Spans: 6,
      Traces: 3,
      TracesWithRoot: 2,
      OrphanSpans: 1,
      ErrorTraces: 1,
      SpansDropped: 0,
    });
    expect(slis('worker')).toEqual({
      SpansSent: 3,
      SpansStored: 3,
      Spans: 3,
      Traces: 3,
      TracesWithRoot: 2,
      OrphanSpans: 1,
      ErrorTraces: 0,
      SpansDropped: 0,
    });
    // Loss = 1 - stored / sent: the lost flush's one span of seven.
    expect(1 - sum(undefined, 'SpansStored') / sum(undefined, 'SpansSent')).toBeCloseTo(1 / 7, 12);
    const latencies = docs
      .filter((d) => d.service === undefined && d.ExportLatency)
      .flatMap((d) => (d.ExportLatency as { Counts: number[] }).Counts);
    expect(latencies.reduce((a, b) => a + b, 0)).toBe(6);
    // The error trace was kept whole, each span weighted as standing for itself alone.
    expect(bed.receiver.spans().map((s) => [s.traceId, s.traceState])).toEqual([
      [t2, 'ot=th:0'],
      [t2, 'ot=th:0'],
    ]);
  });
});
