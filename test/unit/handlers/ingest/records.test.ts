import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeExportRequest } from '../../../../handlers/ingest/decode';
import { buildRecords } from '../../../../handlers/ingest/records';
import { MAX_RECORD_BYTES } from '../../../../src/otlp/stream-record';
import { Redactor } from '../../../../src/redaction';
import { exportRequest, hex, otlpSpan } from '../../../helpers/otlp-payload';

const rules = { maxCount: 128, maxValueLength: 10_000_000, redactor: new Redactor([]) };
const groupsOf = (spans: Array<Record<string, unknown>>) =>
  decodeExportRequest({ format: 'json', text: JSON.stringify(exportRequest(spans)) }, rules).groups;

describe('buildRecords', () => {
  it('writes one gzipped ExportTraceServiceRequest per trace, keyed by trace id', () => {
    const [t1, t2] = [hex(16), hex(16)];
    const { records } = buildRecords(
      groupsOf([otlpSpan({ traceId: t1 }), otlpSpan({ traceId: t2 }), otlpSpan({ traceId: t1 })]),
    );
    expect(records.map((r) => r.partitionKey).sort()).toEqual([t1, t2].sort());
    for (const record of records) {
      expect([...record.data.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
      const body = JSON.parse(gunzipSync(record.data).toString()) as {
        resourceSpans: Array<{
          resource: unknown;
          scopeSpans: Array<{ scope: unknown; spans: Array<{ traceId: string }> }>;
        }>;
      };
      const spans = body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
      expect(spans.every((s) => s.traceId === record.partitionKey)).toBe(true);
      expect(spans).toHaveLength(record.spans);
      expect(body.resourceSpans[0]!.scopeSpans[0]!.scope).toEqual({ name: 'test', version: '1' });
    }
    expect(records.find((r) => r.partitionKey === t1)!.spans).toBe(2);
  });

  it('splits a trace over 1 MiB into several records, losing no span', () => {
    const traceId = hex(16);
    // Base64 of random bytes gzips to ~75%: 40 spans of 64 KB make ~1.9 MiB of records.
    const spans = Array.from({ length: 40 }, () =>
      otlpSpan({
        traceId,
        attributes: [{ key: 'blob', value: { stringValue: randomBytes(48 * 1024).toString('base64') } }],
      }),
    );
    const { records, oversized } = buildRecords(groupsOf(spans));
    expect(oversized).toBe(0);
    expect(records.length).toBeGreaterThanOrEqual(2);
    for (const r of records) expect(r.data.length + r.partitionKey.length).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    expect(records.reduce((n, r) => n + r.spans, 0)).toBe(40);
  });

  it('counts a span that alone cannot fit a record', () => {
    const huge = otlpSpan({
      attributes: [{ key: 'blob', value: { stringValue: randomBytes(1536 * 1024).toString('base64') } }],
    });
    const { records, oversized } = buildRecords(groupsOf([huge, otlpSpan()]));
    expect(oversized).toBe(1);
    expect(records).toHaveLength(1);
  });

  it("writes each record's JSON byte for byte as JSON.stringify writes its request: resources and scopes in the request's order, schema URLs where sent", () => {
    const [t1, t2] = [hex(16), hex(16)];
    const scope = (name: string, spans: unknown[], schemaUrl?: string) => ({
      scope: { name, version: '1', attributes: [{ key: 'k', value: { stringValue: `"${name}"\u2028` } }] },
      ...(schemaUrl ? { schemaUrl } : {}),
      spans,
    });
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'a' } }] },
          schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
          scopeSpans: [
            scope('s1', [otlpSpan({ traceId: t1 }), otlpSpan({ traceId: t2 })], 'https://example.com/s1'),
            scope('s2', [otlpSpan({ traceId: t2, parentSpanId: hex(8) })]),
          ],
        },
        { resource: {}, scopeSpans: [scope('s3', [otlpSpan({ traceId: t1, traceState: 'a=1' })])] },
      ],
    };
    const { groups } = decodeExportRequest({ format: 'json', text: JSON.stringify(body) }, rules);
    const { records } = buildRecords(groups);
    const expected = (traceId: string) =>
      JSON.stringify({
        resourceSpans: groups.flatMap(({ resource, schemaUrl, scopes }) => {
          const scopeSpans = scopes.flatMap((s) => {
            const spans = s.spans.filter((span) => span.traceId === traceId);
            return spans.length === 0
              ? []
              : [{ scope: s.scope, ...(s.schemaUrl ? { schemaUrl: s.schemaUrl } : {}), spans }];
          });
          return scopeSpans.length === 0 ? [] : [{ resource, ...(schemaUrl ? { schemaUrl } : {}), scopeSpans }];
        }),
      });
    expect(records).toHaveLength(2);
    for (const record of records) expect(gunzipSync(record.data).toString()).toBe(expected(record.partitionKey));
  });
});
