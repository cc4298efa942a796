import { describe, expect, it } from 'vitest';
import { clientContextCarrier, recordCarrier } from '../../../../src/messaging/event-carrier';
import { formatXRayHeader, parseXRayHeader } from '../../../../src/propagation/xray';
import { VALID_TRACEPARENT } from '../../../helpers/lambda';

const sqs = (messageAttributes: unknown, body = 'x', attributes: unknown = {}) => ({
  eventSource: 'aws:sqs',
  messageAttributes,
  body,
  attributes,
});
const attribute = (value: string, dataType = 'String') => ({ stringValue: value, dataType });

describe('recordCarrier', () => {
  it('reads SQS message attributes', () => {
    expect(
      recordCarrier(
        sqs({ traceparent: attribute(VALID_TRACEPARENT), tracestate: attribute('a=1'), other: attribute('x') }),
      ),
    ).toEqual({
      traceparent: VALID_TRACEPARENT,
      tracestate: 'a=1',
    });
  });

  it('ignores attributes of the wrong type or shape', () => {
    expect(recordCarrier(sqs({ traceparent: { binaryValue: 'AAEC', dataType: 'Binary' } }))).toBeUndefined();
    expect(recordCarrier(sqs({ traceparent: attribute('42', 'Number') }))).toBeUndefined();
    expect(recordCarrier(sqs({ traceparent: 'bare string' }))).toBeUndefined();
    expect(recordCarrier(sqs({ traceparent: { dataType: 'String' } }))).toBeUndefined();
    expect(recordCarrier(sqs('not an object'))).toBeUndefined();
    expect(recordCarrier(sqs(null))).toBeUndefined();
  });

  it('reads the SNS envelope of an SNS → SQS delivery', () => {
    const envelope = JSON.stringify({
      Type: 'Notification',
      TopicArn: 'arn:aws:sns:x:1:t',
      Message: 'm',
      MessageAttributes: { traceparent: { Type: 'String', Value: VALID_TRACEPARENT } },
    });
    expect(recordCarrier(sqs({}, envelope))).toEqual({ traceparent: VALID_TRACEPARENT });
  });

  it.each([
    ['truncated', '{"TopicArn":"arn","MessageAttributes":{"traceparent":{"Type":"String","Val'],
    ['not JSON', 'plain "TopicArn" text with "traceparent" in it'],
    ['JSON but not an envelope', '{"traceparent":"x","TopicArn":5}'],
    ['an array', '["TopicArn","traceparent"]'],
    [
      'attributes of the wrong type',
      JSON.stringify({ TopicArn: 'a', MessageAttributes: { traceparent: { Type: 'Binary', Value: 'AA' } } }),
    ],
  ])('survives an SQS body that is %s', (_label, body) => {
    expect(recordCarrier(sqs({}, body))).toBeUndefined();
  });

  it('reads SNS records, EventBridge details and AWSTraceHeader', () => {
    expect(
      recordCarrier({
        EventSource: 'aws:sns',
        Sns: { MessageAttributes: { traceparent: { Type: 'String', Value: VALID_TRACEPARENT } } },
      }),
    ).toEqual({
      traceparent: VALID_TRACEPARENT,
    });
    expect(
      recordCarrier({ 'detail-type': 'X', detail: { _hoptrace: { traceparent: VALID_TRACEPARENT, tracestate: 7 } } }),
    ).toEqual({ traceparent: VALID_TRACEPARENT });
    for (const detail of ['string', [1], null, 42, { _hoptrace: 'nope' }])
      expect(recordCarrier({ 'detail-type': 'X', detail })).toBeUndefined();
    expect(recordCarrier(sqs({}, 'x', { AWSTraceHeader: 'Root=1-a' }))).toEqual({ 'x-amzn-trace-id': 'Root=1-a' });
  });

  it('finds nothing in Kinesis, DynamoDB or garbage records', () => {
    for (const record of [
      null,
      'x',
      1,
      [],
      { eventSource: 'aws:kinesis' },
      { eventSource: 'aws:dynamodb' },
      { EventSource: 'aws:sns', Sns: 'x' },
    ]) {
      expect(recordCarrier(record)).toBeUndefined();
    }
  });

  it('never throws, even on hostile objects', () => {
    const hostile = new Proxy(
      { eventSource: 'aws:sqs' },
      {
        get: (_t, k) =>
          k === 'eventSource'
            ? 'aws:sqs'
            : (() => {
                throw new Error('boom');
              })(),
      },
    );
    expect(recordCarrier(hostile)).toBeUndefined();
  });

  it('reads a direct invoke client context', () => {
    expect(clientContextCarrier({ custom: { traceparent: VALID_TRACEPARENT, other: 1 } })).toEqual({
      traceparent: VALID_TRACEPARENT,
    });
    for (const cc of [undefined, null, 'x', { custom: 'x' }, { custom: { traceparent: 5 } }])
      expect(clientContextCarrier(cc)).toBeUndefined();
  });
});

describe('X-Ray header', () => {
  it('parses and formats', () => {
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a:1';
    const parsed = parseXRayHeader(header)!;
    expect(parsed).toMatchObject({
      traceId: '5759e988bd862e3fe1be46a994272793',
      spanId: '53995c3f42cd8ad8',
      traceFlags: 1,
    });
    expect(formatXRayHeader(parsed)).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
  });

  it.each([
    ['no parent', 'Root=1-5759e988-bd862e3fe1be46a994272793'],
    ['bad root', 'Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8'],
    ['zero ids', 'Root=1-00000000-000000000000000000000000;Parent=0000000000000000'],
    ['uppercase', 'Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8'],
    ['huge', `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;${'x'.repeat(5000)}`],
    ['garbage', ';;;==;'],
  ])('refuses %s', (_label, header) => {
    expect(parseXRayHeader(header)).toBeUndefined();
  });
});
