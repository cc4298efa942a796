import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeSpanTable } from '../../../cli/src/archive/duckdb-table';
import { partitionOf, spanRows } from '../../../span-table/rows';
import type { OtlpExportRequest } from '../../../src/otlp/types';
import { request, type Spec } from './traces';

// Spans with known shapes for the archive source's tests: sync calls across services, an
// async hop, a batch consumer linked to another trace, an orphan, errors, cold starts and
// init, an event, duplicates and a provisional copy; written once as record files and once
// as the Parquet span table.

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;
const cold = (on: boolean) => ({ key: 'faas.coldstart', value: { boolValue: on } });
const invocation = (on: boolean) => [
  cold(on),
  { key: 'faas.invocation_id', value: { stringValue: `inv-${String(on)}` } },
];
const initSpan = { key: 'hoptrace.init_type', value: { stringValue: 'on-demand' } };
const provisional = { key: 'hoptrace.provisional', value: { boolValue: true } };

const checkout: Spec[] = [
  {
    trace: 1,
    id: 1,
    name: 'POST /orders',
    start: 0,
    end: 100.25,
    kind: SERVER,
    attributes: [...invocation(true), { key: 'http.status_code', value: { intValue: '201' } }],
  },
  { trace: 1, id: 2, name: 'init', start: -30, end: -1, attributes: [initSpan] },
  { trace: 1, id: 3, parent: 1, name: 'GET stock', start: 5, end: 45, kind: CLIENT },
  {
    trace: 1,
    id: 4,
    parent: 3,
    service: 'inventory',
    name: 'GET /stock',
    start: 6,
    end: 44.5,
    kind: SERVER,
    attributes: invocation(false),
  },
  {
    trace: 1,
    id: 5,
    parent: 4,
    service: 'inventory',
    name: 'query',
    start: 8,
    end: 40,
    kind: CLIENT,
    error: 'timeout',
  },
  { trace: 1, id: 6, parent: 1, name: 'send', start: 50, end: 55, kind: PRODUCER },
  {
    trace: 1,
    id: 7,
    parent: 6,
    service: 'worker',
    name: 'process order',
    start: 70,
    end: 130,
    kind: CONSUMER,
    attributes: invocation(true),
  },
  { trace: 1, id: 8, parent: 6, service: 'worker', name: 'record', start: 72, end: 120, kind: CONSUMER },
];
// A batch consumer: its own trace, linked to the producer of trace 1; a span whose parent never came.
const batch: Spec[] = [
  {
    trace: 2,
    id: 20,
    service: 'worker',
    name: 'batch',
    start: 200,
    end: 260,
    kind: CONSUMER,
    links: [{ trace: 1, id: 6 }],
    attributes: invocation(false),
  },
  {
    trace: 2,
    id: 21,
    parent: 99,
    service: 'mailer',
    name: 'send mail',
    start: 210,
    end: 230,
    kind: SERVER,
    attributes: [{ key: 'tenant', value: { stringValue: 'acme' } }],
  },
];
// Many calls of one operation, for the percentiles.
export const calls: Spec[] = Array.from({ length: 23 }, (_, i) => ({
  trace: 10 + i,
  id: 100 + i,
  name: 'GET /x',
  start: 1000 + i * 10,
  end: 1000 + i * 10 + ((i * 7) % 23) + 0.5,
  kind: SERVER,
  ...(i % 5 === 0 ? { error: 'boom' } : {}),
  attributes: invocation(i % 4 === 0),
}));
// The timeout guard's provisional copy of a span, then its real end.
const guardedReal: Spec = { trace: 40, id: 40, name: 'slow', start: 3000, end: 3900, kind: SERVER };
const guardedCopy: Spec = { ...guardedReal, end: 3500, error: 'timed out', attributes: [provisional] };

// A trace whose root never came: a throttled call that failed without a status message, its
// exception event saying what happened, then a second failure later.
const exception = (type: string, message: string) => ({
  at: 4050,
  name: 'exception',
  attributes: [
    { key: 'exception.type', value: { stringValue: type } },
    { key: 'exception.message', value: { stringValue: message } },
  ],
});
export const rootless: Spec[] = [
  {
    trace: 41,
    id: 41,
    parent: 98,
    service: 'payments',
    name: 'charge',
    start: 4000,
    end: 4100,
    kind: SERVER,
    error: '',
    attributes: [{ key: 'http.response.status_code', value: { intValue: '429' } }],
    events: [exception('ThrottlingException', 'Rate exceeded')],
  },
  {
    trace: 41,
    id: 42,
    parent: 41,
    service: 'payments',
    name: 'DynamoDB.PutItem',
    start: 4010,
    end: 4090,
    kind: CLIENT,
    error: 'card_declined',
  },
];

const RECORDS: Spec[][] = [checkout, batch, calls, checkout.slice(0, 3), [guardedCopy], [guardedReal], rootless];

function withEvent(req: Record<string, unknown>): Record<string, unknown> {
  const text = JSON.stringify(req);
  // An event on POST /orders, 12.5 ms after the origin.
  return JSON.parse(
    text.replace(
      '"name":"POST /orders",',
      `"name":"POST /orders","events":[{"timeUnixNano":"${1_700_000_000_012_500_000n}","name":"cache miss","attributes":[{"key":"key","value":{"stringValue":"sku-1"}}]}],`,
    ),
  ) as Record<string, unknown>;
}

/** Export requests as ingest records under `records` (one file each) and as the span table under `table`. */
export async function writeRequestsBothWays(
  requests: ReadonlyArray<Record<string, unknown>>,
  records: string,
  table: string,
): Promise<void> {
  mkdirSync(records, { recursive: true });
  requests.forEach((req, i) => writeFileSync(join(records, `${i}.gz`), gzipSync(JSON.stringify(req))));
  await writeSpanTable(
    requests.map((req) => {
      const rows = spanRows(req as unknown as OtlpExportRequest);
      return { partition: partitionOf(rows), rows };
    }),
    table,
  );
}

/**
 * Writes the same spans as ingest records under `records` and as the span table under `table`;
 * with `lines`, also as OTLP JSON one request per line (the Collector's file exporter).
 */
export async function writeBothWays(records: string, table: string, lines?: string): Promise<void> {
  const requests = RECORDS.map((specs) => withEvent(request(specs)));
  if (lines !== undefined) writeFileSync(lines, `${requests.map((req) => JSON.stringify(req)).join('\n')}\n`);
  await writeRequestsBothWays(requests, records, table);
}
