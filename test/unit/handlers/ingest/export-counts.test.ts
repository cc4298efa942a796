import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readIngestConfig } from '../../../../handlers/ingest/config';
import { ingest } from '../../../../handlers/ingest/ingest';
import type { PutRecords } from '../../../../handlers/ingest/kinesis-writer';
import { receivedMsOf } from '../../../../src/otlp/stream-record';
import type { OtlpExportRequest } from '../../../../src/otlp/types';
import { attributeMap } from '../../../../src/otlp/values';
import { deadlineIn } from '../../../../testing/ingest-deadline';
import { otlpSpan } from '../../../helpers/otlp-payload';

const config = readIngestConfig({
  HOPTRACE_STREAM_NAME: 'spans',
  HOPTRACE_INGEST_AUTH: 'none',
  HOPTRACE_METRICS_NAMESPACE: 'ops',
});

const resource = (service: string, stamps: Record<string, unknown>, spans: Array<Record<string, unknown>>) => ({
  resource: {
    attributes: [
      { key: 'service.name', value: { stringValue: service } },
      ...Object.entries(stamps).map(([key, value]) => ({ key, value })),
    ],
  },
  scopeSpans: [{ scope: { name: 't' }, spans }],
});

async function send(body: unknown, put?: PutRecords, withinMs = 5000) {
  const written: OtlpExportRequest[] = [];
  const lines: string[] = [];
  const accept: PutRecords = async ({ Records }) => {
    written.push(...Records.map((r) => JSON.parse(gunzipSync(r.Data).toString()) as OtlpExportRequest));
    return { FailedRecordCount: 0, Records: Records.map(() => ({})) };
  };
  const deadline = deadlineIn(withinMs);
  const event = {
    httpMethod: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
  const response = await ingest(event, config, put ?? accept, deadline, undefined, (line) => lines.push(line));
  const docs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { response, written, docs, deadline };
}

describe('what senders say they sent, counted at the ingest', () => {
  it("counts the declared spans per service and for the pipeline, rejected spans included, with the senders' trouble", async () => {
    const body = {
      resourceSpans: [
        resource(
          'api',
          {
            'hoptrace.export.spans': { intValue: '3' },
            'hoptrace.export.spans_dropped': { intValue: '4' },
            'hoptrace.export.breaker_opens': { intValue: '1' },
          },
          [otlpSpan(), otlpSpan(), otlpSpan({ spanId: 'bad' })],
        ),
        resource(
          'worker',
          { 'hoptrace.export.spans': { intValue: '1' }, 'hoptrace.export.spans_spooled': { intValue: '2' } },
          [otlpSpan()],
        ),
        // Another OpenTelemetry SDK declares nothing: what arrived counts.
        resource('other', {}, [otlpSpan(), otlpSpan()]),
        // A resource whose every span is refused still says what was sent.
        resource('api', { 'hoptrace.export.spans': { intValue: '1' } }, [otlpSpan({ traceId: 'nope' })]),
      ],
    };
    const { response, docs } = await send(body);
    expect(response.statusCode).toBe(200);
    const pick = (d: Record<string, unknown>) => [
      d.service ?? '',
      d.SpansSent,
      d.SpansSpooled,
      d.SpansDropped,
      d.BreakerOpens,
    ];
    expect(docs.map(pick)).toEqual([
      ['api', 4, 0, 4, 1],
      ['worker', 1, 2, 0, 0],
      ['other', 2, 0, 0, 0],
      ['', 7, 2, 4, 1],
    ]);
    expect(docs.at(-1)!._aws).toMatchObject({ CloudWatchMetrics: [{ Namespace: 'ops', Dimensions: [[]] }] });
    expect(docs[0]!._aws).toMatchObject({ CloudWatchMetrics: [{ Dimensions: [['service']] }] });
  });

  it('stores the receipt time on every resource and none of the per-export stamps, whatever the sender put there', async () => {
    const body = {
      resourceSpans: [
        resource(
          'api',
          { 'hoptrace.export.spans': { intValue: '1' }, 'hoptrace.received_time_unix_nano': { intValue: '5' } },
          [otlpSpan()],
        ),
      ],
    };
    const { written, deadline } = await send(body);
    const stored = written[0]!.resourceSpans[0]!.resource!;
    expect(receivedMsOf(stored)).toBe(deadline.receivedAt);
    expect(Object.keys(attributeMap(stored.attributes)).sort()).toEqual([
      'hoptrace.received_time_unix_nano',
      'hoptrace.tenant',
      'service.name',
    ]);
  });

  it('counts nothing for a request it did not take: the sender sends it again', async () => {
    const failing: PutRecords = async ({ Records }) => ({
      FailedRecordCount: Records.length,
      Records: Records.map(() => ({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' })),
    });
    const { response, docs } = await send(
      { resourceSpans: [resource('api', { 'hoptrace.export.spans': { intValue: '1' } }, [otlpSpan()])] },
      failing,
      200,
    );
    expect(response.statusCode).toBe(503);
    expect(docs).toEqual([]);
  });

  it('reads a stamp that is not a count as 0', async () => {
    const { docs } = await send({
      resourceSpans: [
        resource(
          'api',
          { 'hoptrace.export.spans': { stringValue: 'many' }, 'hoptrace.export.spans_dropped': { intValue: '-3' } },
          [otlpSpan()],
        ),
      ],
    });
    expect(docs.at(-1)).toMatchObject({ SpansSent: 0, SpansDropped: 0 });
  });
});

describe("the receipt time on a stream record's resource", () => {
  it('reads as unknown on a record written before the ingest stamped it, or with a stamp that is not a time', () => {
    expect(receivedMsOf(undefined)).toBeUndefined();
    expect(receivedMsOf({ attributes: [] })).toBeUndefined();
    expect(
      receivedMsOf({ attributes: [{ key: 'hoptrace.received_time_unix_nano', value: { stringValue: 'soon' } }] }),
    ).toBeUndefined();
    expect(
      receivedMsOf({
        attributes: [{ key: 'hoptrace.received_time_unix_nano', value: { intValue: '1800000000123000000' } }],
      }),
    ).toBe(1_800_000_000_123);
    // Exact to the ms, which ns since 1970 divided as a double is not.
    expect(
      receivedMsOf({
        attributes: [{ key: 'hoptrace.received_time_unix_nano', value: { intValue: '1796182890722000000' } }],
      }),
    ).toBe(1_796_182_890_722);
  });
});
