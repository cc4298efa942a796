import { SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { detectTrigger } from '../../../../src/wrapper/triggers/detect';
import { responseStatus } from '../../../../src/wrapper/triggers/http';
import { httpApiEvent, VALID_TRACEPARENT } from '../../../helpers/lambda';

const HEADERS = new Set(['traceparent', 'tracestate', 'baggage']);
const detect = (event: unknown) => detectTrigger(event, HEADERS);

const restEvent = {
  resource: '/orders/{id}',
  path: '/orders/7',
  httpMethod: 'POST',
  headers: {
    Host: 'api.example.com',
    'User-Agent': 'k6',
    'X-Forwarded-Proto': 'https',
    TRACEPARENT: VALID_TRACEPARENT,
  },
  multiValueHeaders: { Host: ['api.example.com'], TRACEPARENT: [VALID_TRACEPARENT] },
  requestContext: {
    domainName: 'api.example.com',
    protocol: 'HTTP/1.1',
    identity: { sourceIp: '198.51.100.1', userAgent: 'k6' },
    stage: 'prod',
  },
};

describe('HTTP triggers', () => {
  it('recognises API Gateway REST (v1)', () => {
    const t = detect(restEvent);
    expect(t).toMatchObject({
      faasTrigger: 'http',
      source: 'api-gateway-rest',
      kind: SpanKind.SERVER,
      spanName: 'POST /orders/{id}',
    });
    expect(t.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/orders/{id}',
      'url.path': '/orders/7',
      'server.address': 'api.example.com',
      'client.address': '198.51.100.1',
      'user_agent.original': 'k6',
      'network.protocol.version': '1.1',
      'url.scheme': 'https',
    });
    expect(t.carrier).toEqual({ traceparent: [VALID_TRACEPARENT] });
  });

  it('recognises HTTP API (v2) with its route key', () => {
    const t = detect(httpApiEvent({ traceparent: VALID_TRACEPARENT }));
    expect(t).toMatchObject({ source: 'api-gateway-http', spanName: 'GET /items/{id}' });
    expect(t.attributes['http.route']).toBe('/items/{id}');
    expect(t.carrier).toEqual({ traceparent: VALID_TRACEPARENT });
  });

  it('recognises an HTTP API $default route as no route', () => {
    const t = detect(httpApiEvent({}, '$default'));
    expect(t.spanName).toBe('GET');
    expect(t.attributes['http.route']).toBeUndefined();
  });

  it('recognises a Function URL', () => {
    const event = httpApiEvent({}, '$default') as { requestContext: Record<string, unknown> };
    event.requestContext.domainName = 'abcdefg.lambda-url.eu-west-1.on.aws';
    const t = detect(event);
    expect(t).toMatchObject({ source: 'function-url', spanName: 'GET' });
    expect(t.attributes['server.address']).toBe('abcdefg.lambda-url.eu-west-1.on.aws');
  });

  it('recognises ALB, with single and multi-value headers', () => {
    const single = {
      httpMethod: 'GET',
      path: '/health',
      headers: { traceparent: VALID_TRACEPARENT },
      requestContext: { elb: { targetGroupArn: 'arn:tg' } },
    };
    expect(detect(single)).toMatchObject({
      source: 'alb',
      spanName: 'GET',
      carrier: { traceparent: VALID_TRACEPARENT },
    });
    const multi = {
      httpMethod: 'GET',
      path: '/',
      multiValueHeaders: { TraceParent: [VALID_TRACEPARENT] },
      requestContext: { elb: {} },
    };
    expect(detect(multi).carrier).toEqual({ traceparent: [VALID_TRACEPARENT] });
  });

  it('survives headers of the wrong types', () => {
    const t = detect({
      ...restEvent,
      headers: { traceparent: 42, tracestate: null },
      multiValueHeaders: { traceparent: 'not-an-array', baggage: [1, 2] },
    });
    expect(t.source).toBe('api-gateway-rest');
    expect(t.carrier).toEqual({});
    expect(detect({ ...restEvent, headers: 'nope', multiValueHeaders: null }).carrier).toEqual({});
  });

  it('reads the response status code by source', () => {
    expect(responseStatus('api-gateway-rest', { statusCode: 404 })).toBe(404);
    expect(responseStatus('alb', { statusCode: '502' })).toBe(502);
    expect(responseStatus('api-gateway-http', 'plain string body')).toBe(200);
    expect(responseStatus('function-url', { body: 'x' })).toBe(200);
    expect(responseStatus('api-gateway-rest', undefined)).toBeUndefined();
    expect(responseStatus('alb', { statusCode: 'abc' })).toBeUndefined();
  });
});

describe('event triggers', () => {
  it('recognises SQS as a CONSUMER pubsub trigger', () => {
    const records = [1, 2].map((i) => ({
      messageId: `m${i}`,
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:orders',
      body: '{}',
    }));
    const t = detect({ Records: records });
    expect(t).toMatchObject({
      faasTrigger: 'pubsub',
      source: 'sqs',
      kind: SpanKind.CONSUMER,
      spanName: 'process orders',
    });
    expect(t.attributes).toMatchObject({
      'messaging.system': 'aws_sqs',
      'messaging.destination.name': 'orders',
      'messaging.batch.message_count': 2,
    });
    expect(detect({ Records: records.slice(0, 1) }).attributes['messaging.message.id']).toBe('m1');
  });

  it('recognises SNS', () => {
    const t = detect({
      Records: [{ EventSource: 'aws:sns', Sns: { TopicArn: 'arn:aws:sns:eu-west-1:1:shipments', MessageId: 'x' } }],
    });
    expect(t).toMatchObject({ source: 'sns', spanName: 'process shipments', kind: SpanKind.CONSUMER });
    expect(t.attributes['messaging.system']).toBe('aws_sns');
  });

  it('recognises Kinesis', () => {
    const t = detect({
      Records: [
        {
          eventSource: 'aws:kinesis',
          eventSourceARN: 'arn:aws:kinesis:eu-west-1:1:stream/clicks',
          kinesis: { sequenceNumber: '1' },
        },
      ],
    });
    expect(t).toMatchObject({ source: 'kinesis', faasTrigger: 'pubsub', spanName: 'process clicks' });
  });

  it('recognises DynamoDB streams as a datasource', () => {
    const t = detect({
      Records: [
        {
          eventSource: 'aws:dynamodb',
          eventName: 'MODIFY',
          eventSourceARN: 'arn:aws:dynamodb:eu-west-1:1:table/Users/stream/2026-01-01T00:00:00.000',
        },
      ],
    });
    expect(t).toMatchObject({ source: 'dynamodb', faasTrigger: 'datasource' });
    expect(t.attributes).toMatchObject({ 'faas.document.collection': 'Users', 'faas.document.operation': 'edit' });
  });

  it('recognises S3 notifications as a datasource', () => {
    const t = detect({
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          eventTime: '2026-11-21T00:00:00Z',
          s3: { bucket: { name: 'uploads' }, object: { key: 'a.png' } },
        },
      ],
    });
    expect(t).toMatchObject({ source: 's3', faasTrigger: 'datasource' });
    expect(t.attributes).toMatchObject({
      'faas.document.collection': 'uploads',
      'faas.document.operation': 'insert',
      'faas.document.name': 'a.png',
    });
  });

  it('recognises EventBridge and schedules', () => {
    const custom = detect({
      id: 'e1',
      'detail-type': 'OrderPlaced',
      source: 'shop.orders',
      time: '2026-11-21T00:00:00Z',
      detail: { id: 1 },
    });
    expect(custom).toMatchObject({
      source: 'eventbridge',
      faasTrigger: 'pubsub',
      spanName: 'process OrderPlaced',
      kind: SpanKind.CONSUMER,
    });
    const schedule = detect({
      id: 'e2',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-11-21T00:00:00Z',
      detail: {},
    });
    expect(schedule).toMatchObject({ source: 'schedule', faasTrigger: 'timer', kind: SpanKind.SERVER });
    expect(schedule.attributes['faas.time']).toBe('2026-11-21T00:00:00Z');
  });

  it('treats anything else as a direct invoke', () => {
    for (const event of [
      null,
      undefined,
      'str',
      7,
      [],
      [{ eventSource: 'aws:sqs' }],
      {},
      { Records: [] },
      { Records: 'x' },
      { Records: [null, 1] },
    ]) {
      expect(detect(event)).toMatchObject({ faasTrigger: 'other', source: 'direct' });
    }
  });

  it('treats an event whose getters throw as a direct invoke', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('no');
        },
        ownKeys: () => {
          throw new Error('no');
        },
      },
    );
    expect(detect(hostile).source).toBe('direct');
  });
});
