import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Attributes, type Context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  type IdGenerator,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type Span,
} from '@opentelemetry/sdk-trace-base';
import { type PartitionedRows, writeSpanTable } from '../../cli/src/archive/duckdb-table';
import { decodeExportRequest } from '../../handlers/ingest/decode';
import { buildRecords } from '../../handlers/ingest/records';
import { decodeStreamRecord } from '../../src/otlp/stream-record';
import { Redactor } from '../../src/redaction';
import { dayOf } from '../../handlers/archive/span-time';
import { type SpanRow, spanRows } from '../../span-table/rows';
import { seededRandom } from '../../testing/split-traces';

// A corpus recorded with the real OpenTelemetry JS SDK from a seeded plan, for the read side's
// known answers: the plan says what every span is (service, name, kind, times, failure,
// attributes), the SDK records it, and the test computes its answers from the plan alone.
//
// Shape: `api` serves GET and POST orders; both call `inventory` (DynamoDB GetItem, and
// UpdateItem on POST); POST also calls `payments` (an external card API, sometimes DynamoDB)
// and sends to the `order-events` SQS queue, whose `fulfilment` consumer sometimes runs
// seconds after the response (an asynchronous tail). Some roots never end, so the SDK never
// exports them (a timed-out function): their traces arrive rootless. Each function's
// invocation span (api's root, inventory's and payments' server spans, fulfilment's consumer)
// says whether it was a cold start (`faas.coldstart`), drawn from a generator of its own so
// that every other draw is as it was before cold starts were added.

/** What a failed span says: its status message (absent: none) and its exception event. */
export interface PlannedFailure {
  statusMessage?: string;
  exception?: { type: string; message: string };
}

export interface PlannedSpan {
  spanId: string;
  parentSpanId?: string;
  service: string;
  name: string;
  kind: SpanKind;
  /** Epoch milliseconds, whole: durations are exact. */
  startMs: number;
  endMs: number;
  attributes: Attributes;
  failure?: PlannedFailure;
}

export interface PlannedTrace {
  traceId: string;
  /** Every span the SDK exported (a withheld root is not among them). */
  spans: PlannedSpan[];
  /** The root, exported or not. */
  root: PlannedSpan;
  rootWithheld: boolean;
}

/** The share of invocations that are cold starts. */
const COLD_START_RATE = 0.04;

/** 2026-11-02T10:00:00Z: traces start over the half hour after it, unless the plan is told otherwise. */
export const CORPUS_START_MS = Date.UTC(2026, 10, 2, 10, 0, 0);
export const CORPUS_SPREAD_MS = 30 * 60_000;

export interface PlanOptions {
  /** When the first trace starts (epoch ms): the plan's shape is the same whatever the time. */
  startMs?: number;
  /**
   * Adds, after the others (which it leaves as they are), an import of 10,000 spans: `api`'s
   * POST /imports runs BIG_SHARDS `shard` spans in parallel, each BIG_WRITES back-to-back
   * DynamoDB.BatchWriteItem calls (each starts in the millisecond the one before ends), two
   * of them throttled (BIG_FAILED).
   */
  big?: boolean;
}

export const BIG_SHARDS = 99;
export const BIG_WRITES = 100;
/** The throttled writes of the big trace: [shard, write]. */
export const BIG_FAILED: ReadonlyArray<readonly [number, number]> = [
  [10, 50],
  [70, 3],
];

const hex = (random: () => number, chars: number): string => {
  let out = '';
  while (out.length < chars)
    out += Math.floor(random() * 0x10000)
      .toString(16)
      .padStart(4, '0');
  return out.slice(0, chars);
};

const dynamo = (operation: string, table: string): Attributes => ({
  'rpc.system': 'aws-api',
  'rpc.service': 'DynamoDB',
  'rpc.method': operation,
  'db.system': 'dynamodb',
  'db.operation': operation,
  'aws.dynamodb.table_names': [table],
});

/** DynamoDB's answer to a write past the table's capacity. */
const throttle: PlannedFailure = {
  statusMessage: 'Rate exceeded',
  exception: { type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded' },
};

/** The plan for `count` traces: the same for the same seed. */
export function planCorpus(count: number, seed: number, options: PlanOptions = {}): PlannedTrace[] {
  const startMs = options.startMs ?? CORPUS_START_MS;
  const random = seededRandom(seed);
  const ids = seededRandom(seed ^ 0x5eed);
  const colds = seededRandom(seed ^ 0xc01d);
  const coldStart = (): Attributes => ({ 'faas.coldstart': colds() < COLD_START_RATE });
  const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const chance = (p: number): boolean => random() < p;
  const traces: PlannedTrace[] = [];
  for (let i = 0; i < count; i++) {
    const traceId = hex(ids, 32);
    const spans: PlannedSpan[] = [];
    const add = (span: Omit<PlannedSpan, 'spanId'>): PlannedSpan => {
      const planned = { spanId: hex(ids, 16), ...span };
      spans.push(planned);
      return planned;
    };
    const post = chance(0.6);
    const t0 = startMs + Math.floor((i * CORPUS_SPREAD_MS) / count) + between(0, 200);
    const root = add({
      service: 'api',
      name: post ? 'POST /orders' : 'GET /orders/{id}',
      kind: SpanKind.SERVER,
      startMs: t0,
      endMs: 0,
      attributes: {
        ...coldStart(),
        'http.request.method': post ? 'POST' : 'GET',
        'http.route': post ? '/orders' : '/orders/{id}',
        'http.response.status_code': post ? 201 : 200,
      },
    });

    // inventory: a GetItem, sometimes slow (a slow inventory span that is not an UpdateItem),
    // then on POST an UpdateItem, sometimes slow, sometimes throttled.
    const stockCall = add({
      parentSpanId: root.spanId,
      service: 'api',
      name: post ? 'PUT inventory' : 'GET inventory',
      kind: SpanKind.CLIENT,
      startMs: t0 + 2,
      endMs: 0,
      attributes: { 'http.request.method': post ? 'PUT' : 'GET', 'server.address': 'inventory.internal' },
    });
    const stock = add({
      parentSpanId: stockCall.spanId,
      service: 'inventory',
      name: post ? 'PUT /stock' : 'GET /stock',
      kind: SpanKind.SERVER,
      startMs: t0 + 3,
      endMs: 0,
      attributes: { ...coldStart(), 'http.route': '/stock' },
    });
    let at = t0 + 4;
    const getItem = add({
      parentSpanId: stock.spanId,
      service: 'inventory',
      name: 'DynamoDB.GetItem',
      kind: SpanKind.CLIENT,
      startMs: at,
      endMs: at + (chance(0.05) ? between(500, 900) : between(5, 60)),
      attributes: dynamo('GetItem', 'stock'),
    });
    at = getItem.endMs + 1;
    if (post) {
      // Exactly 500 ms now and then: --min-duration 500ms includes it.
      const slow = chance(0.06);
      const ms = slow ? (chance(0.2) ? 500 : between(501, 1200)) : between(8, 499);
      const throttled = chance(0.03);
      const update = add({
        parentSpanId: stock.spanId,
        service: 'inventory',
        name: 'DynamoDB.UpdateItem',
        kind: SpanKind.CLIENT,
        startMs: at,
        endMs: at + ms,
        attributes: dynamo('UpdateItem', 'stock'),
        ...(throttled ? { failure: throttle } : {}),
      });
      at = update.endMs + 1;
    }
    stock.endMs = at;
    stockCall.endMs = at + 1;
    at += 2;

    if (post) {
      // payments: the card API, failing with card_declined in 5% (on the server span only as
      // an exception event, as an SDK's recordException leaves it); an UpdateItem of its own,
      // sometimes slow, that is not inventory's.
      const declined = chance(0.05);
      const payCall = add({
        parentSpanId: root.spanId,
        service: 'api',
        name: 'POST payments',
        kind: SpanKind.CLIENT,
        startMs: at,
        endMs: 0,
        attributes: { 'http.request.method': 'POST', 'server.address': 'payments.internal' },
      });
      const charge = add({
        parentSpanId: payCall.spanId,
        service: 'payments',
        name: 'POST /charge',
        kind: SpanKind.SERVER,
        startMs: at + 1,
        endMs: 0,
        attributes: { ...coldStart(), 'http.route': '/charge', 'http.response.status_code': declined ? 402 : 200 },
        ...(declined ? { failure: { exception: { type: 'CardError', message: 'card_declined' } } } : {}),
      });
      let p = at + 2;
      if (chance(0.5)) {
        const ledger = add({
          parentSpanId: charge.spanId,
          service: 'payments',
          name: 'DynamoDB.UpdateItem',
          kind: SpanKind.CLIENT,
          startMs: p,
          endMs: p + (chance(0.1) ? between(500, 800) : between(5, 40)),
          attributes: dynamo('UpdateItem', 'ledger'),
        });
        p = ledger.endMs + 1;
      }
      const card = add({
        parentSpanId: charge.spanId,
        service: 'payments',
        name: 'POST',
        kind: SpanKind.CLIENT,
        startMs: p,
        endMs: p + between(40, 300),
        attributes: {
          'http.request.method': 'POST',
          'server.address': 'api.stripe.com',
          'http.response.status_code': declined ? 402 : 200,
        },
        ...(declined ? { failure: { statusMessage: 'Payment Required' } } : {}),
      });
      charge.endMs = card.endMs + 1;
      payCall.endMs = card.endMs + 2;
      if (declined) root.attributes['http.response.status_code'] = 402;
      at = payCall.endMs + 1;

      // The event for fulfilment; its consumer, when traced, runs after the response.
      const send = add({
        parentSpanId: root.spanId,
        service: 'api',
        name: 'order-events send',
        kind: SpanKind.PRODUCER,
        startMs: at,
        endMs: at + between(3, 15),
        attributes: {
          'messaging.system': 'aws_sqs',
          'messaging.operation.type': 'send',
          'messaging.destination.name': 'order-events',
        },
      });
      at = send.endMs + 1;
      if (chance(0.15)) {
        const start = at + between(500, 3000);
        const process = add({
          parentSpanId: send.spanId,
          service: 'fulfilment',
          name: 'order-events process',
          kind: SpanKind.CONSUMER,
          startMs: start,
          endMs: 0,
          attributes: { ...coldStart(), 'messaging.system': 'aws_sqs', 'messaging.operation.type': 'process' },
        });
        const put = add({
          parentSpanId: process.spanId,
          service: 'fulfilment',
          name: 'DynamoDB.PutItem',
          kind: SpanKind.CLIENT,
          startMs: start + 5,
          endMs: start + 5 + between(10, 1500),
          attributes: dynamo('PutItem', 'shipments'),
        });
        process.endMs = put.endMs + 2;
      }
    }
    root.endMs = at + 1;
    const rootWithheld = chance(0.03);
    traces.push({ traceId, spans: rootWithheld ? spans.filter((s) => s !== root) : spans, root, rootWithheld });
  }
  if (options.big) traces.push(planBig(startMs + CORPUS_SPREAD_MS / 2, random, ids));
  return traces;
}

function planBig(t0: number, random: () => number, ids: () => number): PlannedTrace {
  const traceId = hex(ids, 32);
  const root: PlannedSpan = {
    spanId: hex(ids, 16),
    service: 'api',
    name: 'POST /imports',
    kind: SpanKind.SERVER,
    startMs: t0,
    endMs: 0,
    attributes: { 'http.request.method': 'POST', 'http.route': '/imports', 'http.response.status_code': 202 },
  };
  const spans = [root];
  for (let k = 0; k < BIG_SHARDS; k++) {
    const shard: PlannedSpan = {
      spanId: hex(ids, 16),
      parentSpanId: root.spanId,
      service: 'api',
      name: 'shard',
      kind: SpanKind.INTERNAL,
      startMs: t0 + 1,
      endMs: 0,
      attributes: { 'import.shard': k },
    };
    spans.push(shard);
    let at = shard.startMs + 1;
    for (let w = 0; w < BIG_WRITES; w++) {
      const failed = BIG_FAILED.some(([fk, fw]) => fk === k && fw === w);
      const end = at + 1 + Math.floor(random() * 20);
      spans.push({
        spanId: hex(ids, 16),
        parentSpanId: shard.spanId,
        service: 'api',
        name: 'DynamoDB.BatchWriteItem',
        kind: SpanKind.CLIENT,
        startMs: at,
        endMs: end,
        attributes: dynamo('BatchWriteItem', 'stock'),
        ...(failed ? { failure: throttle } : {}),
      });
      at = end;
    }
    shard.endMs = at + 1;
  }
  root.endMs = Math.max(...spans.map((s) => s.endMs)) + 1;
  return { traceId, spans, root, rootWithheld: false };
}

/** Hands out the plan's ids in the order the SDK asks for them: a trace id per root, a span id per span. */
class PlannedIds implements IdGenerator {
  traceIds: string[] = [];
  spanIds: string[] = [];
  generateTraceId = (): string => this.traceIds.shift()!;
  generateSpanId = (): string => this.spanIds.shift()!;
}

/** The plan recorded with the SDK, one tracer provider (one resource) per service; spans as the exporter got them. */
export async function recordCorpus(plan: readonly PlannedTrace[]): Promise<ReadableSpan[]> {
  const ids = new PlannedIds();
  const exporter = new InMemorySpanExporter();
  const providers = new Map<string, BasicTracerProvider>();
  const tracerOf = (service: string) => {
    let provider = providers.get(service);
    if (!provider) {
      provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service, 'cloud.provider': 'aws' }),
        idGenerator: ids,
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      });
      providers.set(service, provider);
    }
    return provider.getTracer(`${service}-app`, '1.0.0');
  };
  for (const planned of plan) {
    const live = new Map<string, { span: Span; context: Context }>();
    ids.traceIds.push(planned.traceId);
    const all = planned.rootWithheld ? [planned.root, ...planned.spans] : planned.spans;
    for (const s of all) {
      ids.spanIds.push(s.spanId);
      const parent = s.parentSpanId === undefined ? ROOT_CONTEXT : live.get(s.parentSpanId)!.context;
      const span = tracerOf(s.service).startSpan(
        s.name,
        { kind: s.kind, startTime: s.startMs, attributes: s.attributes },
        parent,
      ) as Span;
      live.set(s.spanId, { span, context: trace.setSpan(parent, span) });
    }
    for (const s of planned.spans) {
      const { span } = live.get(s.spanId)!;
      if (s.failure) {
        if (s.failure.exception)
          span.recordException({ name: s.failure.exception.type, message: s.failure.exception.message }, s.startMs + 1);
        span.setStatus({
          code: SpanStatusCode.ERROR,
          ...(s.failure.statusMessage !== undefined ? { message: s.failure.statusMessage } : {}),
        });
      }
      span.end(s.endMs);
    }
    // A withheld root is left open: the SDK never exports a span that did not end.
  }
  const spans = [...exporter.getFinishedSpans()];
  for (const provider of providers.values()) await provider.shutdown();
  return spans;
}

const EXPORT_BATCH = 512;

/** Every `size` spans, in the order they ended. */
const bySize = (spans: readonly ReadableSpan[], size = EXPORT_BATCH): ReadableSpan[][] =>
  Array.from({ length: Math.ceil(spans.length / size) }, (_, i) => spans.slice(i * size, (i + 1) * size));

/**
 * The spans as a batch span processor exporting every `everyMs` hands them to its exporter:
 * those that ended (by their own end time) in one interval together, at most EXPORT_BATCH a
 * request. A trace's spans that end in different intervals go in different requests.
 */
function byInterval(spans: readonly ReadableSpan[], everyMs: number): ReadableSpan[][] {
  const endMs = (s: ReadableSpan): number => s.endTime[0] * 1000 + s.endTime[1] / 1e6;
  const intervals = new Map<number, ReadableSpan[]>();
  for (const span of spans) {
    const k = Math.floor(endMs(span) / everyMs);
    let list = intervals.get(k);
    if (!list) intervals.set(k, (list = []));
    list.push(span);
  }
  return [...intervals.entries()].sort(([a], [b]) => a - b).flatMap(([, list]) => bySize(list));
}

const RULES = { maxCount: 128, maxValueLength: 8192, redactor: new Redactor([]) };

/**
 * Writes the recorded spans three ways: under `records`, the stream records the ingest makes
 * of the SDK's OTLP/HTTP protobuf requests (one file each); to `lines`, the same requests as
 * OTLP JSON, one a line (the Collector's file exporter); under `table`, the Parquet span
 * table the archive makes of those records, a folder a day.
 */
export async function writeCorpus(
  spans: readonly ReadableSpan[],
  paths: { records: string; lines: string; table: string },
  /** Export requests by interval (see `byInterval`); without it, every EXPORT_BATCH spans as the SDK ended them. */
  exportEveryMs?: number,
): Promise<void> {
  mkdirSync(paths.records, { recursive: true });
  const lines: string[] = [];
  const tables: PartitionedRows[] = [];
  let n = 0;
  for (const batch of exportEveryMs === undefined ? bySize(spans) : byInterval(spans, exportEveryMs)) {
    lines.push(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(batch)));
    const bytes = Buffer.from(ProtobufTraceSerializer.serializeRequest(batch)!);
    const { groups } = decodeExportRequest({ format: 'protobuf', bytes }, RULES);
    for (const record of buildRecords(groups).records) {
      writeFileSync(join(paths.records, `${String(n++).padStart(6, '0')}.gz`), record.data);
      // Each row in the partition of the day it started, as the archive function places
      // them (handlers/archive/consume.ts): a record across midnight is split.
      const byDay = new Map<string, SpanRow[]>();
      for (const row of spanRows(decodeStreamRecord(record.data).request)) {
        const day = dayOf(row);
        let rows = byDay.get(day);
        if (!rows) byDay.set(day, (rows = []));
        rows.push(row);
      }
      for (const [partition, rows] of byDay) tables.push({ partition, rows });
    }
  }
  writeFileSync(paths.lines, `${lines.join('\n')}\n`);
  await writeSpanTable(tables, paths.table);
}
