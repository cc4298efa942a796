// `npx tsx bench/ingest-worst.ts`: the most expensive requests the ingest's limits let
// through, each run once in a fresh process capped at the Lambda function's 512 MB
// (--max-old-space-size below it, as Lambda's Node does), with its CPU time and peak RSS.
// The reference in the same run: the ingest's ordinary 1,000-span request, the cost the
// limits must keep the worst request within a small multiple of.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseTenantKeys } from '../handlers/ingest/auth';
import { readIngestConfig } from '../handlers/ingest/config';
import { ingest } from '../handlers/ingest/ingest';
import { deadlineIn } from '../testing/ingest-deadline';
import type { PutRecords } from '../handlers/ingest/kinesis-writer';
import { DEFAULT_REQUEST_LIMITS } from '../handlers/ingest/request-limits';
import { TenantKeyCache } from '../handlers/ingest/tenant-keys';
import { toProtobuf } from '../testing/otlp-protobuf';
import { otlpPayload } from './payload';

const KEY = 'bench-key-0123456789';
const MiB = 1024 * 1024;
const BODY_LIMIT = 5 * MiB;
const LAMBDA_MEMORY_MB = 512;

/** A protobuf length-delimited field. */
function field(number: number, content: Buffer): Buffer {
  const length: number[] = [];
  let n = content.length;
  while (n > 0x7f) {
    length.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  length.push(n);
  return Buffer.concat([Buffer.from([(number << 3) | 2, ...length]), content]);
}

/** `count` copies of `item` in one scope of one resource, as OTLP JSON. */
function jsonOf(item: string, count: number, where: 'spans' | 'attributes' | 'events'): string {
  const items = new Array<string>(count).fill(item).join(',');
  const traceId = 'ab'.repeat(16);
  const span = (inner: string): string =>
    `{"traceId":"${traceId}","spanId":"${'cd'.repeat(8)}","name":"x","startTimeUnixNano":"1","endTimeUnixNano":"2","${where}":[${inner}]}`;
  const spans = where === 'spans' ? items : span(items);
  return `{"resourceSpans":[{"scopeSpans":[{"spans":[${spans}]}]}]}`;
}

/** As many `item`s as fit the body limit. */
function fill(itemBytes: number, overhead: number): number {
  return Math.floor((BODY_LIMIT - overhead) / itemBytes);
}

// Just under the default limits (handlers/ingest/request-limits.ts): the worst requests let through.
const SPANS = DEFAULT_REQUEST_LIMITS.maxSpans;
const ITEMS = DEFAULT_REQUEST_LIMITS.maxItems - 10;

/** The bodies, inflated, and their content types: first the issue's (5 MiB, refused now), then the worst within the limits. */
function bodies(): Record<string, () => { body: Buffer; contentType: string }> {
  const json = (text: string) => ({ body: Buffer.from(text), contentType: 'application/json' });
  const protobuf = (body: Buffer) => ({ body, contentType: 'application/x-protobuf' });
  // Each body is made only in the process that sends it, so that no other body inflates its memory figure.
  // Protobuf: an empty span (or key-value, or event) is two bytes, tag and zero length.
  const repeated = (tag: number, count: number): Buffer => Buffer.alloc(count * 2).fill(Buffer.from([tag, 0]));
  const wrap = (scopeContent: Buffer) => field(1, field(2, scopeContent));
  const nested = (depth: number) =>
    `{"resourceSpans":[{"scopeSpans":[{"spans":[${spanJson(`"attributes":[{"key":"deep","value":${'{"arrayValue":{"values":['.repeat(depth)}${']}}'.repeat(depth)}}]`)}]}]}]}`;
  return {
    'json: 5 MiB of empty spans': () => json(jsonOf('{}', fill(3, 200), 'spans')),
    'json: 5 MiB of one-span traces': () => json(otlpPayload(Math.floor((BODY_LIMIT - 1000) / 830), 1)),
    'protobuf: 5 MiB of empty spans': () => protobuf(wrap(repeated(0x12, fill(2, 20)))),
    'json: empty spans at the limit': () => json(jsonOf('{}', SPANS, 'spans')),
    'json: empty attributes at the limit': () => json(jsonOf('{}', ITEMS, 'attributes')),
    'json: empty events at the limit': () => json(jsonOf('{}', ITEMS, 'events')),
    'json: values nested at the limit': () => json(nested(Math.floor(ITEMS / 2))),
    'json: minimal spans of one trace at the limit': () => json(oneTraceMinimal(SPANS)),
    'json: 2,000 one-span traces': () => json(otlpPayload(2000, 1)),
    'json: Lambda-like spans filling 5 MiB': () => json(otlpPayload(880, 10)),
    'protobuf: empty spans at the limit': () => protobuf(wrap(repeated(0x12, SPANS))),
    'protobuf: empty attributes at the limit': () => protobuf(wrap(spanWith(repeated(0x4a, ITEMS)))),
    'protobuf: empty events at the limit': () => protobuf(wrap(spanWith(repeated(0x5a, ITEMS)))),
    'protobuf: minimal spans of one trace at the limit': () => protobuf(toProtobuf(JSON.parse(oneTraceMinimal(SPANS)))),
    'protobuf: 2,000 one-span traces': () => protobuf(toProtobuf(JSON.parse(otlpPayload(2000, 1)))),
    'protobuf: Lambda-like spans filling 5 MiB': () => protobuf(toProtobuf(JSON.parse(otlpPayload(1300, 10)))),
  };
}

/** A valid span's fields, and `more`, as OTLP JSON. */
function spanJson(more: string): string {
  return `{"traceId":"${'ab'.repeat(16)}","spanId":"${'cd'.repeat(8)}","name":"x","startTimeUnixNano":"1","endTimeUnixNano":"2",${more}}`;
}

/** A valid span (ids, name, times) followed by `inner` (repeated attributes or events), in protobuf. */
function spanWith(inner: Buffer): Buffer {
  const fixed64 = (tag: number, value: number): Buffer => {
    const out = Buffer.alloc(9);
    out[0] = tag;
    out.writeBigUInt64LE(BigInt(value), 1);
    return out;
  };
  const ids = Buffer.concat([
    field(1, Buffer.alloc(16, 0xab)),
    field(2, Buffer.alloc(8, 0xcd)),
    field(5, Buffer.from('x')),
  ]);
  return field(2, Buffer.concat([ids, fixed64(0x39, 1), fixed64(0x41, 2), inner]));
}

/** `count` valid, distinct spans of one trace (the cheapest span that passes validation). */
function oneTraceMinimal(count: number): string {
  const traceId = 'ab'.repeat(16);
  const spans: string[] = [];
  for (let i = 0; i < count; i++) {
    spans.push(
      `{"traceId":"${traceId}","spanId":"${(i + 1).toString(16).padStart(16, '0')}","name":"","startTimeUnixNano":"1","endTimeUnixNano":"1"}`,
    );
  }
  return `{"resourceSpans":[{"scopeSpans":[{"spans":[${spans.join(',')}]}]}]}`;
}

interface Figure {
  status: number;
  cpuMs: number;
  wallMs: number;
  peakRssMb: number;
  inflatedBytes: number;
  gzipBytes: number;
}

/** One request through the ingest, in this (fresh) process. */
async function runOne(name: string): Promise<Figure> {
  const config = readIngestConfig({ HOPTRACE_STREAM_NAME: 'bench', HOPTRACE_INGEST_KEYS_PARAMETER: '/bench/keys' });
  const keys = new TenantKeyCache(async () => parseTenantKeys(JSON.stringify({ bench: [KEY] }), 'bench'), config);
  const accept: PutRecords = async ({ Records }) => ({ FailedRecordCount: 0, Records: Records.map(() => ({})) });
  const { body, contentType } =
    name === 'reference'
      ? { body: Buffer.from(otlpPayload(100, 10)), contentType: 'application/json' }
      : bodies()[name]!();
  const gzipped = gzipSync(body, { level: 9 });
  const event = {
    httpMethod: 'POST',
    headers: { 'content-type': contentType, 'content-encoding': 'gzip', 'x-api-key': KEY },
    body: gzipped.toString('base64'),
    isBase64Encoded: true,
  };
  await keys.tenantOf(KEY, Date.now() + 10_000);
  global.gc?.();
  const cpu = process.cpuUsage();
  const wall = Date.now();
  const response = await ingest(event, config, accept, deadlineIn(60_000), keys);
  const used = process.cpuUsage(cpu);
  return {
    status: response.statusCode,
    cpuMs: (used.user + used.system) / 1000,
    wallMs: Date.now() - wall,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    inflatedBytes: body.length,
    gzipBytes: gzipped.length,
  };
}

function inChild(name: string): Figure | string {
  const self = fileURLToPath(import.meta.url);
  const run = spawnSync(
    process.execPath,
    [`--max-old-space-size=${LAMBDA_MEMORY_MB - 64}`, '--expose-gc', '--import', 'tsx', self, '--one', name],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  if (run.status !== 0)
    return `failed (exit ${run.status ?? run.signal}): ${(run.stderr.match(/FATAL ERROR[^\n]*|heap out of memory/) ?? [run.stderr.slice(-200)])[0]}`;
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Figure;
}

async function main(): Promise<void> {
  const one = process.argv.indexOf('--one');
  if (one >= 0) {
    console.log(JSON.stringify(await runOne(process.argv[one + 1]!)));
    return;
  }
  const reference = inChild('reference');
  if (typeof reference === 'string') throw new Error(`reference ${reference}`);
  console.log(
    `reference (1,000 spans, 100 traces, JSON): ${reference.cpuMs.toFixed(0)} ms CPU, peak RSS ${reference.peakRssMb.toFixed(0)} MB`,
  );
  console.log('| request (gzip → inflated) | answer | CPU ms | × reference | peak RSS MB |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const name of Object.keys(bodies())) {
    const figure = inChild(name);
    if (typeof figure === 'string') {
      console.log(`| ${name} | ${figure} | | | |`);
      continue;
    }
    const size = `${(figure.gzipBytes / 1024).toFixed(0)} KB → ${(figure.inflatedBytes / MiB).toFixed(1)} MiB`;
    console.log(
      `| ${name} (${size}) | ${figure.status} | ${figure.cpuMs.toFixed(0)} | ${(figure.cpuMs / reference.cpuMs).toFixed(1)} | ${figure.peakRssMb.toFixed(0)} |`,
    );
  }
}

await main();
