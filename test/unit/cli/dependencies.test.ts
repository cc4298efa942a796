import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceMap } from '../../../cli/src/model';
import { SpanStore } from '../../../cli/src/read/span-store';
import type { OtlpExportRequest } from '../../../src/otlp/types';
import { writeRequestsBothWays } from './archive-fixture';
import { hoptrace, hoptraceJson as json } from './run-cli';
import { request, type Spec } from './traces';

// Dependencies as nodes of the map: what client and producer spans call when no traced
// service answers, read from their attributes, the same from records and from the archive.

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const INTERNAL = 1;
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const tables = (...names: string[]) => ({
  key: 'aws.dynamodb.table_names',
  value: { arrayValue: { values: names.map((n) => ({ stringValue: n })) } },
});

const checkout: Spec[] = [
  { trace: 60, id: 1, name: 'POST /orders', start: 0, end: 200, kind: SERVER },
  {
    trace: 60,
    id: 2,
    parent: 1,
    name: 'DynamoDB.PutItem',
    start: 5,
    end: 25,
    kind: CLIENT,
    attributes: [str('rpc.service', 'DynamoDB'), tables('orders')],
  },
  {
    trace: 60,
    id: 3,
    parent: 1,
    name: 'query',
    start: 26,
    end: 30,
    kind: CLIENT,
    attributes: [str('db.system', 'postgresql'), str('db.name', 'shop')],
  },
  {
    trace: 60,
    id: 4,
    parent: 1,
    name: 'send orders-queue',
    start: 31,
    end: 35,
    kind: PRODUCER,
    attributes: [str('messaging.system', 'aws_sqs'), str('messaging.destination.name', 'orders-queue')],
  },
  {
    trace: 60,
    id: 5,
    parent: 1,
    name: 'publish events',
    start: 36,
    end: 40,
    kind: PRODUCER,
    attributes: [str('messaging.system', 'aws_sns'), str('messaging.destination.name', 'events')],
  },
  {
    trace: 60,
    id: 6,
    parent: 1,
    name: 'S3.PutObject',
    start: 41,
    end: 60,
    kind: CLIENT,
    attributes: [str('rpc.service', 'S3'), str('aws.s3.bucket', 'invoices')],
  },
  {
    trace: 60,
    id: 7,
    parent: 1,
    name: 'Lambda.Invoke',
    start: 61,
    end: 70,
    kind: CLIENT,
    attributes: [str('rpc.service', 'Lambda')],
  },
  {
    trace: 60,
    id: 8,
    parent: 1,
    name: 'POST',
    start: 71,
    end: 150,
    kind: CLIENT,
    error: 'card_declined',
    attributes: [str('server.address', 'api.stripe.com')],
  },
  // A call a traced service answers is an edge to that service, not a dependency.
  {
    trace: 60,
    id: 9,
    parent: 1,
    name: 'GET inventory',
    start: 151,
    end: 190,
    kind: CLIENT,
    attributes: [str('server.address', 'inventory.internal')],
  },
  { trace: 60, id: 10, parent: 9, service: 'inventory', name: 'GET /stock', start: 152, end: 189, kind: SERVER },
  // Not a caller: an internal span's attributes name nothing it calls.
  {
    trace: 60,
    id: 11,
    parent: 1,
    name: 'cache',
    start: 191,
    end: 192,
    kind: INTERNAL,
    attributes: [str('db.system', 'redis')],
  },
  // PutEvents as hoptrace's AWS SDK instrumentation records it: a producer naming its bus.
  {
    trace: 60,
    id: 12,
    parent: 1,
    name: 'send orders-bus',
    start: 193,
    end: 195,
    kind: PRODUCER,
    attributes: [
      str('rpc.service', 'EventBridge'),
      str('rpc.method', 'PutEvents'),
      str('messaging.system', 'aws_eventbridge'),
      str('messaging.destination.name', 'orders-bus'),
      str('messaging.operation.name', 'PutEvents'),
    ],
  },
  // ... and as a client span naming no bus (plain AWS SDK instrumentation): the service's bus.
  {
    trace: 60,
    id: 13,
    parent: 1,
    name: 'EventBridge.PutEvents',
    start: 196,
    end: 199,
    kind: CLIENT,
    attributes: [str('rpc.service', 'EventBridge'), str('rpc.method', 'PutEvents')],
  },
];
const worker: Spec[] = [
  { trace: 61, id: 1, service: 'worker', name: 'process', start: 300, end: 400, kind: SERVER },
  {
    trace: 61,
    id: 2,
    parent: 1,
    service: 'worker',
    name: 'DynamoDB.UpdateItem',
    start: 310,
    end: 340,
    kind: CLIENT,
    attributes: [str('rpc.service', 'DynamoDB'), tables('orders', 'audit')],
  },
];

let dir: string;
let records: string;
let archive: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-deps-'));
  records = join(dir, 'records');
  archive = join(dir, 'span-table');
  await writeRequestsBothWays([request(checkout), request(worker)], records, archive);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('map --json: dependencies as nodes', () => {
  it.each([
    ['records', () => ['--dir', records]],
    ['the archive (DuckDB)', () => ['--archive', archive]],
  ])(
    'from %s: a node per table, queue, topic, bus, bucket, AWS service and host, with edges from their callers',
    async (_name, source) => {
      const map = (await json('map', ...source())) as ServiceMap;
      expect(map.nodes.map((n) => [n.service, n.kind, n.name, n.count, n.errors, n.p95Ms])).toEqual([
        ['api', 'service', 'api', 1, 0, 200],
        ['aws:Lambda', 'aws', 'Lambda', 1, 0, 9],
        ['bucket:invoices', 'bucket', 'invoices', 1, 0, 19],
        ['bus:EventBridge', 'bus', 'EventBridge', 1, 0, 3],
        ['bus:orders-bus', 'bus', 'orders-bus', 1, 0, 2],
        ['database:orders', 'database', 'orders', 2, 0, 30],
        ['database:shop', 'database', 'shop', 1, 0, 4],
        ['external:api.stripe.com', 'external', 'api.stripe.com', 1, 1, 79],
        ['inventory', 'service', 'inventory', 1, 0, 37],
        ['queue:orders-queue', 'queue', 'orders-queue', 1, 0, 4],
        ['topic:events', 'topic', 'events', 1, 0, 4],
        ['worker', 'service', 'worker', 1, 0, 100],
      ]);
      expect(map.edges.map((e) => `${e.from}>${e.to}:${e.kind}:${e.count}`)).toEqual([
        'api>aws:Lambda:sync:1',
        'api>bucket:invoices:sync:1',
        'api>bus:EventBridge:sync:1',
        'api>bus:orders-bus:async:1',
        'api>database:orders:sync:1',
        'api>database:shop:sync:1',
        'api>external:api.stripe.com:sync:1',
        'api>inventory:sync:1',
        'api>queue:orders-queue:async:1',
        'api>topic:events:async:1',
        'worker>database:orders:sync:1',
      ]);
    },
  );

  it('the same answer from both', async () => {
    expect(await json('map', '--archive', archive)).toEqual(await json('map', '--dir', records));
  });
});

describe('the spans read: dependencies', () => {
  it('hold one object per dependency, however many spans call it (a million calls to one table keep one)', () => {
    const store = new SpanStore();
    store.add(request(checkout) as unknown as OtlpExportRequest);
    store.add(request(worker) as unknown as OtlpExportRequest);
    const calls = [...store.traces.values()]
      .flatMap((spans) => [...spans.values()])
      .filter((s) => s.dependency?.name === 'orders');
    expect(calls.map((s) => s.dependency)).toEqual([
      { kind: 'database', name: 'orders' },
      { kind: 'database', name: 'orders' },
    ]);
    expect(calls[0]!.dependency).toBe(calls[1]!.dependency);
  });
});

describe('map --json: failures by class', () => {
  const num = (key: string, value: number) => ({ key, value: { intValue: String(value) } });
  const payment: Spec[] = [
    { trace: 70, id: 1, name: 'POST /pay', start: 0, end: 100, kind: SERVER },
    {
      trace: 70,
      id: 2,
      parent: 1,
      name: 'DynamoDB.PutItem',
      start: 5,
      end: 15,
      kind: CLIENT,
      error: '',
      attributes: [str('rpc.service', 'DynamoDB'), tables('ledger')],
      events: [
        {
          at: 14,
          name: 'exception',
          attributes: [
            str('exception.type', 'ProvisionedThroughputExceededException'),
            str('exception.message', 'Rate of requests exceeds the allowed throughput'),
          ],
        },
      ],
    },
    {
      trace: 70,
      id: 3,
      parent: 1,
      name: 'POST',
      start: 20,
      end: 40,
      kind: CLIENT,
      error: 'Service Unavailable',
      attributes: [str('server.address', 'api.bank.com'), num('http.response.status_code', 503)],
    },
    {
      trace: 70,
      id: 4,
      parent: 1,
      name: 'GET inventory',
      start: 50,
      end: 90,
      kind: CLIENT,
      attributes: [str('server.address', 'inventory.internal')],
    },
    {
      trace: 70,
      id: 5,
      parent: 4,
      service: 'inventory',
      name: 'GET /stock',
      start: 51,
      end: 89,
      kind: SERVER,
      error: 'no such item',
      attributes: [num('http.status_code', 404)],
    },
  ];
  let failuresDir: string;

  beforeAll(async () => {
    failuresDir = mkdtempSync(join(tmpdir(), 'hoptrace-deps-failures-'));
    await writeRequestsBothWays([request(payment)], join(failuresDir, 'records'), join(failuresDir, 'span-table'));
  });
  afterAll(() => rmSync(failuresDir, { recursive: true, force: true }));

  it.each([
    ['records', () => ['--dir', join(failuresDir, 'records')]],
    ['the archive (DuckDB)', () => ['--archive', join(failuresDir, 'span-table')]],
  ])('from %s: throttles, 4xx and 5xx on each node and edge, as the report counts them', async (_name, source) => {
    const map = (await json('map', ...source())) as ServiceMap;
    const split = (throttle: number, c4: number, c5: number) => ({ throttle, '4xx': c4, '5xx': c5 });
    expect(map.nodes.map((n) => [n.service, n.errors, n.failures])).toEqual([
      ['api', 0, split(0, 0, 0)],
      ['database:ledger', 1, split(1, 0, 0)],
      ['external:api.bank.com', 1, split(0, 0, 1)],
      ['inventory', 1, split(0, 1, 0)],
    ]);
    expect(map.edges.map((e) => [`${e.from}>${e.to}`, e.errors, e.failures])).toEqual([
      ['api>database:ledger', 1, split(1, 0, 0)],
      ['api>external:api.bank.com', 1, split(0, 0, 1)],
      ['api>inventory', 1, split(0, 1, 0)],
    ]);
  });
  it('in the text map too: the split on each node and on each failing edge', async () => {
    const { out } = await hoptrace('map', '--dir', join(failuresDir, 'records'));
    const lines = out.split('\n');
    expect(lines.find((l) => l.startsWith('database:ledger'))).toMatch(/ 1 +1 +1\/0\/0 +10\.0 ms$/);
    expect(lines.find((l) => l.startsWith('external:api.bank.com'))).toMatch(/ 1 +1 +0\/0\/1 +20\.0 ms$/);
    expect(lines.find((l) => l.startsWith('inventory'))).toMatch(/ 1 +1 +0\/1\/0 +38\.0 ms$/);
    expect(lines.find((l) => l.startsWith('api '))).toMatch(/ 1 +0 +- +100\.0 ms$/);
    expect(lines).toContain(
      '  api ───sync──▶ external:api.bank.com  (1 call(s), 1 error(s) [throttled/4xx/5xx 0/0/1], p95 20.0 ms)',
    );
  });
});
