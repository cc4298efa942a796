import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { encodeExportRequestProtobuf } from '../../../../src/otlp/protobuf-encode';
import type { OtlpExportRequest } from '../../../../src/otlp/types';
import { readExportRequest } from '../../../../src/otlp/protobuf-decode';
import { DEFAULT_REQUEST_LIMITS, WorkBudget } from '../../../../handlers/ingest/request-limits';

// The messages of opentelemetry-proto's collector/trace/v1 request, with their field numbers,
// decoded by protobufjs: an independent reader of what the encoder writes.
const SCHEMA = `
syntax = "proto3";
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; }
message Status { string message = 2; int32 code = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  repeated Event events = 11; uint32 dropped_events_count = 12; repeated Link links = 13; uint32 dropped_links_count = 14; Status status = 15;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`;
const Request = protobuf.parse(SCHEMA, { keepCase: true }).root.lookupType('ExportTraceServiceRequest');
const decode = (bytes: Uint8Array): unknown =>
  Request.toObject(Request.decode(bytes), { longs: String, bytes: String, defaults: false, oneofs: false });
const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const PARENT = 'eee19b7ec3c1b173';

const REQUEST = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }], droppedAttributesCount: 1 },
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeSpans: [
        {
          scope: { name: 'hoptrace', version: '0.1.0' },
          spans: [
            {
              traceId: TRACE,
              spanId: SPAN,
              parentSpanId: PARENT,
              traceState: 'vendor=1',
              name: 'POST /orders',
              kind: 2,
              startTimeUnixNano: '1700000000000000001',
              endTimeUnixNano: '18446744073709551615',
              attributes: [
                { key: 's', value: { stringValue: '' } },
                { key: 'b', value: { boolValue: false } },
                { key: 'i', value: { intValue: '-42' } },
                { key: 'big', value: { intValue: '9223372036854775807' } },
                { key: 'd', value: { doubleValue: 1.5 } },
                { key: 'a', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: '1' }] } } },
                { key: 'kv', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
                { key: 'bytes', value: { bytesValue: 'AQID' } },
                { key: 'empty', value: {} },
              ],
              droppedAttributesCount: 2,
              events: [
                {
                  timeUnixNano: '1700000000000000002',
                  name: 'exception',
                  attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }],
                  droppedAttributesCount: 0,
                },
              ],
              droppedEventsCount: 3,
              links: [{ traceId: TRACE, spanId: PARENT, traceState: 't=1', attributes: [], droppedAttributesCount: 4 }],
              droppedLinksCount: 5,
              status: { code: 2, message: 'failed' },
            },
          ],
        },
      ],
    },
  ],
} as unknown as OtlpExportRequest;

describe('OTLP protobuf encoding', () => {
  it('writes every field of a span as the specification numbers it', () => {
    expect(decode(encodeExportRequestProtobuf(REQUEST))).toEqual({
      resource_spans: [
        {
          resource: {
            attributes: [{ key: 'service.name', value: { string_value: 'orders' } }],
            dropped_attributes_count: 1,
          },
          schema_url: 'https://opentelemetry.io/schemas/1.26.0',
          scope_spans: [
            {
              scope: { name: 'hoptrace', version: '0.1.0' },
              spans: [
                {
                  trace_id: b64(TRACE),
                  span_id: b64(SPAN),
                  parent_span_id: b64(PARENT),
                  trace_state: 'vendor=1',
                  name: 'POST /orders',
                  kind: 2,
                  start_time_unix_nano: '1700000000000000001',
                  end_time_unix_nano: '18446744073709551615',
                  attributes: [
                    { key: 's', value: { string_value: '' } },
                    { key: 'b', value: { bool_value: false } },
                    { key: 'i', value: { int_value: '-42' } },
                    { key: 'big', value: { int_value: '9223372036854775807' } },
                    { key: 'd', value: { double_value: 1.5 } },
                    { key: 'a', value: { array_value: { values: [{ string_value: 'x' }, { int_value: '1' }] } } },
                    { key: 'kv', value: { kvlist_value: { values: [{ key: 'k', value: { string_value: 'v' } }] } } },
                    { key: 'bytes', value: { bytes_value: 'AQID' } },
                    // The empty AnyValue: the value written as an empty message, not left out.
                    { key: 'empty', value: {} },
                  ],
                  dropped_attributes_count: 2,
                  events: [
                    {
                      time_unix_nano: '1700000000000000002',
                      name: 'exception',
                      attributes: [{ key: 'exception.message', value: { string_value: 'boom' } }],
                    },
                  ],
                  dropped_events_count: 3,
                  links: [
                    { trace_id: b64(TRACE), span_id: b64(PARENT), trace_state: 't=1', dropped_attributes_count: 4 },
                  ],
                  dropped_links_count: 5,
                  status: { code: 2, message: 'failed' },
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('leaves out what is unset, and writes an empty request as no bytes', () => {
    expect(encodeExportRequestProtobuf({ resourceSpans: [] }).length).toBe(0);
    const minimal = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE,
                  spanId: SPAN,
                  name: 'x',
                  kind: 0,
                  startTimeUnixNano: '0',
                  endTimeUnixNano: '0',
                  status: { code: 0 },
                },
              ],
            },
          ],
        },
      ],
    } as unknown as OtlpExportRequest;
    expect(decode(encodeExportRequestProtobuf(minimal))).toEqual({
      resource_spans: [
        { scope_spans: [{ spans: [{ trace_id: b64(TRACE), span_id: b64(SPAN), name: 'x', status: {} }] }] },
      ],
    });
  });
});

describe('AnyValue through the protobuf the tail sampler forwards', () => {
  it('comes back unchanged through the ingest reader: nested lists, arrays of maps, bytes and empty values', () => {
    const attributes = [
      { key: 'empty', value: {} },
      { key: 'none', value: { arrayValue: { values: [] } } },
      {
        key: 'mixed',
        value: {
          arrayValue: {
            values: [
              { intValue: '1' },
              {},
              {
                kvlistValue: {
                  values: [
                    { key: 'k', value: { arrayValue: { values: [{ bytesValue: 'AAEC/w==' }, { boolValue: true }] } } },
                  ],
                },
              },
            ],
          },
        },
      },
    ];
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [] },
          scopeSpans: [
            { scope: { name: 's' }, spans: [{ ...REQUEST.resourceSpans[0]!.scopeSpans[0]!.spans[0]!, attributes }] },
          ],
        },
      ],
    } as OtlpExportRequest;
    const read = readExportRequest(
      encodeExportRequestProtobuf(request),
      new WorkBudget(DEFAULT_REQUEST_LIMITS),
    ) as unknown as OtlpExportRequest;
    expect(read.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes).toEqual(attributes);
  });
});
