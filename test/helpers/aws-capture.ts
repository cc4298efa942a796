import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One AWS API call as it went over the wire. */
export interface CapturedCall {
  operation: string;
  headers: http.IncomingHttpHeaders;
  /** JSON protocols: the parsed body; SNS's query protocol: the form fields; Lambda: the raw payload. */
  body: Record<string, unknown>;
  path: string;
  /** The request id the endpoint answered with (`x-amzn-requestid`). */
  requestId: string;
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/**
 * A loopback endpoint that answers SQS, SNS, EventBridge and Lambda calls of the real AWS
 * SDK v3 clients the way AWS does, and records what they sent.
 */
export class AwsCapture {
  readonly calls: CapturedCall[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  static async start(): Promise<AwsCapture> {
    const capture = new AwsCapture();
    await new Promise<void>((resolve) => capture.server.listen(0, '127.0.0.1', resolve));
    return capture;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Client settings pointing an SDK client here. */
  get clientConfig(): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string }; maxAttempts: number } {
    return { endpoint: this.url, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  }

  call(operation: string): CapturedCall {
    const found = this.calls.filter((c) => c.operation === operation).at(-1);
    if (!found) throw new Error(`no ${operation} call captured`);
    return found;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const requestId = randomUUID();
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string') {
        const operation = target.split('.')[1]!;
        const body = JSON.parse(raw) as Record<string, unknown>;
        this.calls.push({ operation, headers: req.headers, body, path: req.url ?? '', requestId });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId });
        res.end(JSON.stringify(jsonResponse(operation, body)));
        return;
      }
      if (req.url?.startsWith('/2015-03-31/functions/')) {
        this.calls.push({ operation: 'Invoke', headers: req.headers, body: { payload: raw }, path: req.url, requestId });
        res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amz-executed-version': '$LATEST' });
        res.end('{"ok":true}');
        return;
      }
      const form = Object.fromEntries(new URLSearchParams(raw));
      this.calls.push({ operation: form.Action ?? 'unknown', headers: req.headers, body: form, path: req.url ?? '', requestId });
      res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(snsResponse(form, requestId));
    });
  }
}

function jsonResponse(operation: string, body: Record<string, unknown>): unknown {
  switch (operation) {
    case 'SendMessage':
      return { MessageId: randomUUID(), MD5OfMessageBody: md5(String(body.MessageBody)) };
    case 'SendMessageBatch':
      return {
        Successful: (body.Entries as Array<{ Id: string; MessageBody: string }>).map((e) => ({ Id: e.Id, MessageId: randomUUID(), MD5OfMessageBody: md5(e.MessageBody) })),
        Failed: [],
      };
    case 'PutEvents':
      return { FailedEntryCount: 0, Entries: (body.Entries as unknown[]).map(() => ({ EventId: randomUUID() })) };
    default:
      return {};
  }
}

function snsResponse(form: Record<string, string>, requestId: string): string {
  const meta = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
  if (form.Action === 'PublishBatch') {
    const ids = Object.keys(form).filter((k) => /^PublishBatchRequestEntries\.member\.\d+\.Id$/.test(k)).map((k) => form[k]);
    const members = ids.map((id) => `<member><Id>${id}</Id><MessageId>${randomUUID()}</MessageId></member>`).join('');
    return `<PublishBatchResponse><PublishBatchResult><Successful>${members}</Successful><Failed/></PublishBatchResult>${meta}</PublishBatchResponse>`;
  }
  return `<PublishResponse><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>${meta}</PublishResponse>`;
}

/** SNS query-protocol message attributes under `prefix` (e.g. `MessageAttributes`), as a map. */
export function snsAttributes(form: Record<string, unknown>, prefix = 'MessageAttributes'): Record<string, { DataType: string; StringValue?: string }> {
  const out: Record<string, { DataType: string; StringValue?: string }> = {};
  for (const [key, value] of Object.entries(form)) {
    const match = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.entry\\.(\\d+)\\.Name$`).exec(key);
    if (!match) continue;
    const base = `${prefix}.entry.${match[1]}.Value`;
    out[String(value)] = { DataType: String(form[`${base}.DataType`]), StringValue: form[`${base}.StringValue`] as string | undefined };
  }
  return out;
}

type SqsAttributes = Record<string, { DataType: string; StringValue?: string }>;

/** The SQS record Lambda delivers for a message sent with these fields. */
export function sqsRecord(message: { MessageBody: string; MessageAttributes?: SqsAttributes; AWSTraceHeader?: string }, queue = 'orders'): Record<string, unknown> {
  const messageAttributes: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = { stringValue: a.StringValue, stringListValues: [], binaryListValues: [], dataType: a.DataType };
  }
  return {
    messageId: randomUUID(),
    receiptHandle: 'AQEB',
    body: message.MessageBody,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDA',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      ...(message.AWSTraceHeader ? { AWSTraceHeader: message.AWSTraceHeader } : {}),
    },
    messageAttributes,
    md5OfBody: md5(message.MessageBody),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:eu-west-1:123456789012:${queue}`,
    awsRegion: 'eu-west-1',
  };
}

/** The SQS record of an SNS → SQS delivery, in the envelope form or with raw message delivery. */
export function snsToSqsRecord(publish: { TopicArn: string; Message: string; MessageAttributes: SqsAttributes }, raw: boolean): Record<string, unknown> {
  if (raw) return sqsRecord({ MessageBody: publish.Message, MessageAttributes: publish.MessageAttributes }, 'shipments-queue');
  const envelope = {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: publish.TopicArn,
    Message: publish.Message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    MessageAttributes: Object.fromEntries(Object.entries(publish.MessageAttributes).map(([k, a]) => [k, { Type: a.DataType, Value: a.StringValue }])),
  };
  return sqsRecord({ MessageBody: JSON.stringify(envelope) }, 'shipments-queue');
}

/** The SNS record Lambda delivers for a message published with these fields. */
export function snsRecord(publish: { TopicArn: string; Message: string; MessageAttributes: SqsAttributes }): Record<string, unknown> {
  return {
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: `${publish.TopicArn}:sub`,
    Sns: {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: publish.TopicArn,
      Message: publish.Message,
      Timestamp: new Date().toISOString(),
      MessageAttributes: Object.fromEntries(Object.entries(publish.MessageAttributes).map(([k, a]) => [k, { Type: a.DataType, Value: a.StringValue }])),
    },
  };
}
