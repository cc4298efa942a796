import { gzipSync } from 'node:zlib';
import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { readConsumerConfig } from '../../../../handlers/tail-sampler/config';
import { consumeBatch } from '../../../../handlers/tail-sampler/consume';
import type { DecisionStore, StoredPart, Swept } from '../../../../handlers/tail-sampler/decision-store';
import { deliver } from '../../../../handlers/tail-sampler/delivery';
import {
  ForwardError,
  isRetryableStatus,
  retryAfterMs,
  type Forward,
} from '../../../../handlers/tail-sampler/forwarder';
import { decodeRecord, decodeRecords, spansOf } from '../../../../handlers/tail-sampler/parts';
import { piecesOf } from '../../../../handlers/tail-sampler/pieces';
import { StreamRecordError } from '../../../../src/otlp/stream-record';
import { inSampledFraction, interest } from '../../../../handlers/tail-sampler/policy';
import { RedMetrics } from '../../../../handlers/tail-sampler/red-metrics';
import { dropSuperseded, isProvisional, withoutSuperseded } from '../../../../handlers/tail-sampler/superseded';
import { HoptraceAttribute } from '../../../../src/otlp/hoptrace-attributes';
import type { OtlpExportRequest, OtlpSpan } from '../../../../src/otlp/types';
import { seededRandom } from '../../../../testing/split-traces';

const BASE = { HOPTRACE_FORWARD_ENDPOINT: 'http://127.0.0.1:4318/v1/traces', HOPTRACE_DECISION_TABLE: 'decisions' };
const POLICIES = { keepErrors: true, latencyThresholdMs: 1000, keepColdStarts: true, sampleRatio: 0.1 };

function span(fields: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    name: 'op',
    kind: 2,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000100000000',
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0 },
    ...fields,
  };
}

const hexId = (random: () => number): string =>
  Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');

describe('tail sampler configuration', () => {
  it('defaults every policy on, a tenth of the rest, gzip, JSON', () => {
    const config = readConsumerConfig(BASE);
    expect(config.policies).toEqual({
      keepErrors: true,
      latencyThresholdMs: 1000,
      keepColdStarts: true,
      sampleRatio: 0.1,
    });
    expect(config.forward).toMatchObject({
      endpoint: BASE.HOPTRACE_FORWARD_ENDPOINT,
      gzip: true,
      protobuf: false,
      headers: {},
      sigv4Service: undefined,
    });
    expect(readConsumerConfig({ ...BASE, HOPTRACE_FORWARD_PROTOCOL: 'HTTP/PROTOBUF' }).forward.protobuf).toBe(true);
  });

  it('turns each policy off on its own, and reads headers, compression and SigV4', () => {
    const config = readConsumerConfig({
      ...BASE,
      HOPTRACE_KEEP_ERRORS: 'false',
      HOPTRACE_KEEP_LATENCY_MS: 'off',
      HOPTRACE_KEEP_COLD_STARTS: 'FALSE',
      HOPTRACE_SAMPLE_RATIO: '0',
      HOPTRACE_FORWARD_HEADERS: 'x-honeycomb-team=abc,x-scope=a%3Db',
      HOPTRACE_FORWARD_COMPRESSION: 'none',
      HOPTRACE_FORWARD_SIGV4_SERVICE: 'xray',
      AWS_REGION: 'eu-west-1',
    });
    expect(config.policies).toEqual({
      keepErrors: false,
      latencyThresholdMs: undefined,
      keepColdStarts: false,
      sampleRatio: 0,
    });
    expect(config.forward).toMatchObject({
      headers: { 'x-honeycomb-team': 'abc', 'x-scope': 'a=b' },
      gzip: false,
      sigv4Service: 'xray',
      region: 'eu-west-1',
    });
  });

  it.each([
    [{ HOPTRACE_FORWARD_ENDPOINT: '' }, 'HOPTRACE_FORWARD_ENDPOINT is not set'],
    [{ HOPTRACE_FORWARD_ENDPOINT: 'jaeger:4318' }, 'must be an http(s) URL'],
    [{ HOPTRACE_DECISION_TABLE: ' ' }, 'HOPTRACE_DECISION_TABLE is not set'],
    [{ HOPTRACE_SAMPLE_RATIO: '1.5' }, 'HOPTRACE_SAMPLE_RATIO="1.5" must be between 0 and 1'],
    [{ HOPTRACE_SAMPLE_RATIO: 'half' }, 'HOPTRACE_SAMPLE_RATIO="half" must be between 0 and 1'],
    [{ HOPTRACE_KEEP_LATENCY_MS: '-5' }, 'HOPTRACE_KEEP_LATENCY_MS="-5" must be a positive number of ms or "off"'],
    [{ HOPTRACE_KEEP_ERRORS: 'yes' }, 'HOPTRACE_KEEP_ERRORS="yes" must be true or false'],
    [{ HOPTRACE_FORWARD_COMPRESSION: 'br' }, 'must be gzip or none'],
    [{ HOPTRACE_FORWARD_PROTOCOL: 'grpc' }, 'HOPTRACE_FORWARD_PROTOCOL="grpc" must be http/json or http/protobuf'],
    [{ HOPTRACE_PARK_TTL_S: '0' }, 'HOPTRACE_PARK_TTL_S="0" must be a positive number of seconds'],
  ])('refuses %j', (env, message) => {
    expect(() => readConsumerConfig({ ...BASE, ...env })).toThrow(message);
  });
});

describe('keep policies', () => {
  it('keeps an error, a span over the threshold and a cold start, each only while its policy is on', () => {
    const error = [span({ status: { code: 2 } })];
    const slow = [span({ endTimeUnixNano: '1700000001500000000' })];
    const cold = [span({ attributes: [{ key: 'faas.coldstart', value: { boolValue: true } }] })];
    expect([
      interest(error, POLICIES),
      interest(slow, POLICIES),
      interest(cold, POLICIES),
      interest([span()], POLICIES),
    ]).toEqual(['error', 'latency', 'cold-start', undefined]);
    const off = { ...POLICIES, keepErrors: false, latencyThresholdMs: undefined, keepColdStarts: false };
    expect([interest(error, off), interest(slow, off), interest(cold, off)]).toEqual([undefined, undefined, undefined]);
    expect(interest(slow, { ...POLICIES, latencyThresholdMs: 2000 })).toBeUndefined();
  });

  it('decides the sampled fraction by trace id alone, at the configured rate', () => {
    const random = seededRandom(5);
    const ids = Array.from({ length: 20_000 }, () => hexId(random));
    for (const ratio of [0, 0.01, 0.1, 0.5, 1]) {
      const kept = ids.filter((id) => inSampledFraction(id, ratio)).length;
      // Binomial sd at 20,000 draws is at most 71; 4 sd.
      expect(Math.abs(kept - ratio * ids.length)).toBeLessThanOrEqual(284);
    }
    // A larger ratio keeps a superset: raising it never drops a trace kept before.
    expect(ids.filter((id) => inSampledFraction(id, 0.1)).every((id) => inSampledFraction(id, 0.2))).toBe(true);
    expect(inSampledFraction('not-a-trace-id', 1)).toBe(false);
  });
});

describe('stream records as trace parts', () => {
  const record = (data: Buffer, partitionKey = 'c'.repeat(32)): KinesisStreamRecord =>
    ({
      eventID: 'shardId-0:1',
      kinesis: { data: data.toString('base64'), partitionKey, sequenceNumber: '1' },
    }) as KinesisStreamRecord;

  it('reads gzipped OTLP JSON keyed by trace id', () => {
    const request = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: {}, spans: [span()] }] }] };
    const part = decodeRecord(record(gzipSync(JSON.stringify(request))));
    expect(part).toMatchObject({ traceId: 'c'.repeat(32), recordId: 'shardId-0:1', sequenceNumber: '1', request });
  });

  it.each([
    [Buffer.from('{"resourceSpans":[]}'), 'not gzip'],
    [gzipSync('{"resourceSpans":').subarray(0, 10), 'gzip that does not decompress'],
    [gzipSync('{"resourceSpans":'), 'not JSON'],
    [gzipSync('[1]'), 'no resourceSpans array'],
    [gzipSync('{"resourceSpans":[{"scopeSpans":{}}]}'), 'a scopeSpans field is not an array'],
    [gzipSync('{"resourceSpans":[{"scopeSpans":[{"spans":null}]}]}'), 'a spans field is not an array'],
    [gzipSync(Buffer.alloc(65 * 1024 * 1024, 0x20)), 'gzip that inflates past'],
  ])('refuses a record that is not an export request (%#)', (data, message) => {
    expect(() => decodeRecord(record(data))).toThrow(StreamRecordError);
    expect(() => decodeRecord(record(data))).toThrow(message);
  });

  it('refuses a partition key that is not a trace id', () => {
    expect(() => decodeRecord(record(gzipSync('{"resourceSpans":[]}'), 'orders'))).toThrow(
      'partition key "orders" is not a trace id',
    );
  });

  it('decodes a batch as each record alone, whatever is among its records', () => {
    const good = (n: number): Buffer =>
      gzipSync(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span({ name: `op-${n}` })] }] }] }));
    const batches: Buffer[][] = [
      [good(1), good(2), good(3)],
      // Not exactly one gzip member each: trailing bytes, two members, truncated, not gzip, empty.
      [good(1), Buffer.concat([good(2), Buffer.from('junk')]), good(3)],
      [good(1), Buffer.concat([good(2), good(3)]), good(4)],
      [good(1), good(2).subarray(0, 15), good(3)],
      [good(1), Buffer.from('{"resourceSpans":[]}'), Buffer.alloc(0), good(3)],
      [good(1), gzipSync('{"resourceSpans":'), good(2)],
      [good(1), gzipSync(Buffer.alloc(65 * 1024 * 1024, 0x20)), good(2)],
    ];
    for (const batch of batches) {
      const records = batch.map((data, i) => ({ ...record(data), eventID: `shardId-0:${i}` }));
      const alone = records.map((r) => {
        try {
          return decodeRecord(r);
        } catch (error) {
          return error;
        }
      });
      expect(decodeRecords(records)).toEqual(alone);
    }
  });
});

describe('RED metrics as embedded metric format', () => {
  const request = (service: string, spans: OtlpSpan[]): OtlpExportRequest => ({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: {}, spans }],
      },
    ],
  });

  it('counts requests, errors and durations of entry spans per service and operation, and cold starts per function', () => {
    const metrics = new RedMetrics();
    metrics.add(
      request('orders', [
        span({ spanId: '1'.repeat(16), name: 'POST /orders', endTimeUnixNano: '1700000000120000000' }),
        span({
          spanId: '2'.repeat(16),
          name: 'POST /orders',
          status: { code: 2 },
          endTimeUnixNano: '1700000000124000000',
          attributes: [
            { key: 'faas.coldstart', value: { boolValue: true } },
            { key: 'faas.name', value: { stringValue: 'orders-fn' } },
          ],
        }),
        span({ name: 'db query', kind: 3, parentSpanId: 'd'.repeat(16) }),
      ]),
    );
    metrics.add(
      request('worker', [
        span({ name: 'orders process', kind: 5, parentSpanId: 'e'.repeat(16), endTimeUnixNano: '1700000000003000000' }),
      ]),
    );
    const docs = metrics.lines('hoptrace', 1234, { Records: 2 }).map((l) => JSON.parse(l));
    expect(docs).toEqual([
      {
        _aws: {
          Timestamp: 1234,
          CloudWatchMetrics: [
            {
              Namespace: 'hoptrace',
              Dimensions: [['service', 'operation'], ['service']],
              Metrics: [
                { Name: 'Requests', Unit: 'Count' },
                { Name: 'Errors', Unit: 'Count' },
                { Name: 'Duration', Unit: 'Milliseconds' },
              ],
            },
          ],
        },
        service: 'orders',
        operation: 'POST /orders',
        Requests: 2,
        Errors: 1,
        // To the microsecond, as the command's stats reads them: a latency threshold is not blurred by rounding.
        Duration: { Values: [120, 124], Counts: [1, 1] },
      },
      expect.objectContaining({
        service: 'worker',
        operation: 'orders process',
        Requests: 1,
        Errors: 0,
        Duration: { Values: [3], Counts: [1] },
      }),
      {
        _aws: {
          Timestamp: 1234,
          CloudWatchMetrics: [
            { Namespace: 'hoptrace', Dimensions: [['function']], Metrics: [{ Name: 'ColdStarts', Unit: 'Count' }] },
          ],
        },
        function: 'orders-fn',
        ColdStarts: 1,
      },
      {
        _aws: {
          Timestamp: 1234,
          CloudWatchMetrics: [
            { Namespace: 'hoptrace', Dimensions: [[]], Metrics: [{ Name: 'Records', Unit: 'Count' }] },
          ],
        },
        Records: 2,
      },
    ]);
  });

  it('spreads more than 100 distinct durations over several documents, as CloudWatch requires', () => {
    const metrics = new RedMetrics();
    const spans = Array.from({ length: 250 }, (_, i) =>
      span({
        spanId: (i + 1).toString(16).padStart(16, '0'),
        name: 'op',
        endTimeUnixNano: String(1700000000000000000n + BigInt(i + 1) * 1_000_000n),
      }),
    );
    metrics.add(request('svc', spans));
    const docs = metrics
      .lines('hoptrace', 1, {})
      .map((l) => JSON.parse(l))
      .filter((d) => d.operation === 'op');
    expect(docs.length).toBeGreaterThan(1);
    for (const d of docs) expect(d.Duration.Values.length).toBeLessThanOrEqual(100);
    expect(docs.reduce((n, d) => n + d.Duration.Counts.reduce((a: number, b: number) => a + b, 0), 0)).toBe(250);
    expect(docs.filter((d) => 'Requests' in d).map((d) => d.Requests)).toEqual([250]);
  });
});

describe("provisional copies (the timeout guard's) and their real copies", () => {
  const MARK = { key: HoptraceAttribute.Provisional, value: { boolValue: true } };
  const real = span({ name: 'handler', endTimeUnixNano: '1700000000600000000' });
  const copy = span({
    name: 'handler',
    endTimeUnixNano: '1700000000500000000',
    status: { code: 2 },
    attributes: [{ key: 'error.type', value: { stringValue: 'timeout' } }, MARK],
  });
  const other = span({ spanId: 'c'.repeat(16), name: 'other', status: { code: 2 }, attributes: [MARK] });
  const request = (...spans: OtlpSpan[]): OtlpExportRequest => ({
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: {}, spans }] }],
  });

  it('recognises the mark only as a true boolean in a list of key-values', () => {
    expect(isProvisional(copy)).toBe(true);
    expect(isProvisional(real)).toBe(false);
    expect(
      isProvisional(span({ attributes: [{ key: HoptraceAttribute.Provisional, value: { stringValue: 'true' } }] })),
    ).toBe(false);
    expect(isProvisional(span({ attributes: 'x' as unknown as OtlpSpan['attributes'] }))).toBe(false);
    expect(isProvisional(span({ attributes: [null, MARK] as unknown as OtlpSpan['attributes'] }))).toBe(true);
  });

  it('drops a provisional copy only where the real copy of the same (traceId, spanId) is present', () => {
    expect(withoutSuperseded([copy, real, other])).toEqual([real, other]);
    expect(withoutSuperseded([copy])).toEqual([copy]);
    // Same span id in another trace: not its real copy.
    expect(withoutSuperseded([copy, span({ traceId: 'f'.repeat(32) })])).toHaveLength(2);
  });

  it('removes superseded copies from requests, scopes and resources left empty with them, and leaves other requests untouched', () => {
    const early = request(copy);
    const late = request(real);
    const mixed = request(copy, other);
    const [a, b, c] = dropSuperseded([early, late, mixed]);
    expect(a).toEqual({ resourceSpans: [] });
    expect(b).toBe(late);
    expect(c).toEqual(request(other));
    // Superseded by a copy outside the requests sent, such as one forwarded before.
    expect(dropSuperseded([early], [late, early])).toEqual([{ resourceSpans: [] }]);
    expect(dropSuperseded([early])).toEqual([early]);
  });

  describe('in one batch', () => {
    const traceId = 'a'.repeat(32); // 'a…a' is outside a 0.1 sampled fraction
    const record = (n: number, req: OtlpExportRequest): KinesisStreamRecord =>
      ({
        eventID: `shardId-0:${n}`,
        kinesis: {
          data: gzipSync(JSON.stringify(req)).toString('base64'),
          partitionKey: traceId,
          sequenceNumber: String(n),
        },
      }) as KinesisStreamRecord;

    /** The consumer with a store that has seen nothing before, and a backend that accepts all. */
    async function consume(records: KinesisStreamRecord[]) {
      const kept: string[] = [];
      const parked: string[] = [];
      const forwarded: OtlpSpan[] = [];
      const lines: string[] = [];
      const store = {
        lookup: async () => ({ decisions: new Map(), parked: new Set(), failing: new Set(), sent: new Set() }),
        keep: async (decisions: Array<{ reason: string }>) => void kept.push(...decisions.map((d) => d.reason)),
        park: async (parts: Array<{ recordId: string }>) => void parked.push(...parts.map((p) => p.recordId)),
        parked: async () => ({ parts: [], chunks: [] }),
        markSent: async () => undefined,
      } as unknown as DecisionStore;
      const result = await consumeBatch(records, {
        policies: POLICIES,
        store,
        forward: async (req) =>
          void forwarded.push(...req.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))),
        maxRequestBytes: 1 << 20,
        retryWindowMs: 300_000,
        metricsNamespace: 'hoptrace',
        emit: (line) => lines.push(line),
        log: () => undefined,
      });
      const red = lines
        .map((l) => JSON.parse(l))
        .filter((d) => d.operation === 'handler')
        .map((d) => [d.Requests, d.Errors]);
      return { result, kept, parked, forwarded, red };
    }

    it('parks a routine trace whose provisional copy the real copy supersedes, and counts the invocation once, without error', async () => {
      const out = await consume([record(1, request(copy)), record(2, request(real))]);
      expect(out).toMatchObject({
        result: { batchItemFailures: [] },
        kept: [],
        parked: ['shardId-0:1', 'shardId-0:2'],
        forwarded: [],
        red: [[1, 0]],
      });
    });

    it('forwards only the real copy of a trace kept for another reason', async () => {
      const out = await consume([
        record(1, request(copy)),
        record(
          2,
          request(real, span({ spanId: 'd'.repeat(16), name: 'slow', endTimeUnixNano: '1700000002000000000' })),
        ),
      ]);
      expect(out.kept).toEqual(['latency']);
      expect(out.forwarded.map((s) => [s.name, isProvisional(s)])).toEqual([
        ['handler', false],
        ['slow', false],
      ]);
      expect(out.red).toEqual([[1, 0]]);
    });

    it('keeps and counts a provisional copy alone as the timeout error it is', async () => {
      const out = await consume([record(1, request(copy))]);
      // Kept as an error: it stands for itself alone (th:0, an adjusted count of 1).
      const weighted = {
        ...copy,
        traceState: 'ot=th:0',
        attributes: [...copy.attributes, { key: HoptraceAttribute.SamplingAdjustedCount, value: { doubleValue: 1 } }],
      };
      expect(out).toMatchObject({ kept: ['error'], forwarded: [weighted], red: [[1, 1]] });
    });
  });
});

describe('forwarding: request bound, final and retryable refusals', () => {
  const traceId = 'a'.repeat(32);
  const padded = (i: number, bytes: number): OtlpSpan =>
    span({
      spanId: i.toString(16).padStart(16, '0'),
      attributes: [{ key: 'pad', value: { stringValue: 'x'.repeat(bytes) } }],
    });
  const requestOf = (spans: OtlpSpan[]): OtlpExportRequest => ({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] },
        scopeSpans: [{ scope: { name: 's' }, spans }],
      },
    ],
  });
  const jsonBytes = (r: OtlpExportRequest): number => Buffer.byteLength(JSON.stringify(r));

  it('cuts a record over the bound into pieces within it, the same each time, each with its resource and scope', () => {
    const request = requestOf(Array.from({ length: 30 }, (_, i) => padded(i, 900)));
    const pieces = piecesOf(traceId, 'shard:1', request, jsonBytes(request), 5000);
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.map((p) => p.key)).toEqual(pieces.map((_, k) => `shard:1#${k}`));
    for (const p of pieces) {
      expect(p.jsonBytes).toBe(jsonBytes(p.request));
      expect(p.jsonBytes).toBeLessThanOrEqual(5000);
      expect(p.request.resourceSpans[0]!.resource).toEqual(request.resourceSpans[0]!.resource);
    }
    expect(pieces.flatMap((p) => spansOf(p.request))).toEqual(spansOf(request));
    expect(piecesOf(traceId, 'shard:1', request, jsonBytes(request), 5000)).toEqual(pieces);
    expect(piecesOf(traceId, 'shard:1', request, jsonBytes(request), 1 << 20)).toEqual([
      { traceId, key: 'shard:1', request, jsonBytes: jsonBytes(request) },
    ]);
  });

  it('retries only what OTLP/HTTP says may be retried, after the wait the backend asks', () => {
    expect([400, 401, 403, 404, 413, 500, 501, 505].filter(isRetryableStatus)).toEqual([]);
    expect([429, 502, 503, 504, undefined].every(isRetryableStatus)).toBe(true);
    expect(new ForwardError('x', { status: 400 }).retryable).toBe(false);
    expect(new ForwardError('x').retryable).toBe(true);
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect([retryAfterMs(null), retryAfterMs('soon')]).toEqual([undefined, undefined]);
  });

  it('halves a refused request down to the piece refused, sends the others once, and refuses a piece over the bound unsent', async () => {
    const pieces = [0, 1, 2, 3, 4].map((i) => piecesOf(traceId, `r${i}`, requestOf([padded(i, 10)]), 300, 1 << 20)[0]!);
    const big = piecesOf(traceId, 'big', requestOf([padded(9, 3000)]), 3100, 2000)[0]!;
    const sent: string[][] = [];
    const forward: Forward = async (req) => {
      const ids = spansOf(req).map((s) => s.spanId);
      sent.push(ids);
      if (ids.includes('0000000000000003')) throw new ForwardError('answered 400', { status: 400 });
    };
    const out = await deliver([...pieces, big], { forward, maxRequestBytes: 2000, attempts: 3, maxWaitMs: 0 });
    expect([...pieces, big].map((p) => out.get(p)!.kind)).toEqual([
      'sent',
      'sent',
      'sent',
      'refused',
      'sent',
      'refused',
    ]);
    const delivered = sent.filter((ids) => !ids.includes('0000000000000003')).flat();
    expect(delivered.sort()).toEqual(['0000000000000000', '0000000000000001', '0000000000000002', '0000000000000004']);
    expect(sent.flat()).not.toContain('0000000000000009');
  });

  it('sends a request the backend cannot take now a bounded number of times, then tries no more this batch', async () => {
    const pieces = [0, 1].map((i) => piecesOf(traceId, `r${i}`, requestOf([padded(i, 10)]), 300, 1 << 20)[0]!);
    const waits: number[] = [];
    let sends = 0;
    const forward: Forward = async () => {
      sends++;
      throw new ForwardError('answered 503', { status: 503, retryAfterMs: 2000 });
    };
    const out = await deliver(pieces, {
      forward,
      maxRequestBytes: 400,
      attempts: 3,
      maxWaitMs: 1500,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(pieces.map((p) => out.get(p)!.kind)).toEqual(['unavailable', 'unavailable']);
    expect(sends).toBe(3);
    expect(waits).toEqual([1500, 1500]);
  });
});

describe('a kept trace with parts parked', () => {
  const PARKED = 'a'.repeat(32);
  const FRESH = 'b'.repeat(32);
  const request = (traceId: string, spanId: string, error: boolean): OtlpExportRequest => {
    const spans = [span({ traceId, spanId, status: { code: error ? 2 : 0 } })];
    return { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 's' }, spans }] }] };
  };
  const gzipped = (r: OtlpExportRequest): Buffer => gzipSync(JSON.stringify(r));
  const record = (n: number, traceId: string, r: OtlpExportRequest): KinesisStreamRecord =>
    ({
      eventID: `shardId-0:${n}`,
      kinesis: { data: gzipped(r).toString('base64'), partitionKey: traceId, sequenceNumber: String(n) },
    }) as KinesisStreamRecord;

  /** A batch with an error part of a trace that has a routine part parked, and one of a trace that has none. */
  async function consumeSwept(markSent: (pieces: string[], swept: Swept[]) => Promise<void>) {
    const kept: string[] = [];
    const forwarded: string[] = [];
    const routine = gzipped(request(PARKED, '0'.repeat(16), false));
    const parked = new Map<string, StoredPart[]>([[PARKED, [{ recordId: 'shardId-0:0', data: routine }]]]);
    const store = {
      lookup: async () => ({ decisions: new Map(), parked, sent: new Set() }),
      keep: async (decisions: Array<{ traceId: string }>) => void kept.push(...decisions.map((d) => d.traceId)),
      park: async () => undefined,
      parked: async (_: string, stored: StoredPart[]) => ({
        parts: stored.map((p) => ({ recordId: p.recordId, gzipped: p.data! })),
        chunks: [],
      }),
      markSent,
    } as unknown as DecisionStore;
    const records = [
      record(1, PARKED, request(PARKED, '1'.repeat(16), true)),
      record(2, FRESH, request(FRESH, '2'.repeat(16), true)),
    ];
    const result = await consumeBatch(records, {
      policies: { ...POLICIES, sampleRatio: 0 },
      store,
      forward: async (r) => void forwarded.push(...spansOf(r).map((s) => s.spanId)),
      maxRequestBytes: 1 << 20,
      retryWindowMs: 300_000,
      metricsNamespace: 'hoptrace',
      emit: () => undefined,
      log: () => undefined,
    });
    return { failed: result.batchItemFailures.map((f) => f.itemIdentifier), kept, forwarded };
  }

  it('has its decision stored with the sweep of its parked parts, after they are forwarded, not before', async () => {
    const sweeps: Swept[] = [];
    const out = await consumeSwept(async (_, swept) => void sweeps.push(...swept));
    expect(out.failed).toEqual([]);
    expect(out.kept).toEqual([FRESH]);
    expect(out.forwarded.sort()).toEqual(['0'.repeat(16), '1'.repeat(16), '2'.repeat(16)]);
    expect(sweeps).toEqual([{ traceId: PARKED, decision: { reason: 'error', probability: 1 }, chunks: [] }]);
  });

  it('is redelivered when the sweep cannot be stored, so that its decision is; one stored before is not', async () => {
    const out = await consumeSwept(async () => {
      throw new Error('ProvisionedThroughputExceededException');
    });
    expect(out.failed).toEqual(['1']);
    expect(out.kept).toEqual([FRESH]);
  });
});
