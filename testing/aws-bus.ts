import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formAttributes, snsToSqsRecord, sqsRecord, type Publication, type WireAttributes } from './lambda-events';

/** One AWS API call as it went over the wire. */
export interface BusCall {
  operation: string;
  headers: http.IncomingHttpHeaders;
  /** JSON protocols: the parsed body; SNS's query protocol: the form fields; Lambda: the raw payload. */
  body: Record<string, unknown>;
  path: string;
  /** The request id answered with (`x-amzn-requestid`). */
  requestId: string;
}

/** Where messages go: queue name → the function consuming it; topic name → queues subscribed. */
export interface Routes {
  queues?: Record<string, (event: unknown) => Promise<void>>;
  topics?: Record<string, Array<{ queue: string; raw: boolean }>>;
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
const lastSegment = (value: unknown): string =>
  String(value ?? '')
    .split(/[/:]/)
    .filter(Boolean)
    .at(-1) ?? '';

/**
 * A loopback stand-in for SQS, SNS, EventBridge and Lambda: answers the real AWS SDK v3
 * clients as AWS does, records every call, and, given routes, delivers each message to its
 * consumer as exactly the event Lambda would (SQS records, SNS → SQS envelopes).
 */
export class AwsBus {
  readonly calls: BusCall[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly pending = new Set<Promise<void>>();
  readonly deliveryErrors: Error[] = [];

  private constructor(private readonly routes: Routes) {}

  static async start(routes: Routes = {}): Promise<AwsBus> {
    const bus = new AwsBus(routes);
    await new Promise<void>((resolve) => bus.server.listen(0, '127.0.0.1', resolve));
    return bus;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** SDK client settings pointing here. */
  get clientConfig(): {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts: number;
  } {
    return {
      endpoint: this.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    };
  }

  /** The last call of an operation. */
  call(operation: string): BusCall {
    const found = this.calls.filter((c) => c.operation === operation).at(-1);
    if (!found) throw new Error(`no ${operation} call captured`);
    return found;
  }

  /** Resolves once every delivery, and every delivery it caused, is done. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private deliver(queue: string, record: Record<string, unknown>): void {
    const consumer = this.routes.queues?.[queue];
    if (!consumer) return;
    // As SQS does: the send is acknowledged first, the consumer runs after.
    const delivery = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => consumer({ Records: [record] }))
      .catch((error: Error) => {
        this.deliveryErrors.push(error);
      })
      .finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const requestId = randomUUID();
      const record = (operation: string, body: Record<string, unknown>): void => {
        this.calls.push({ operation, headers: req.headers, body, path: req.url ?? '', requestId });
      };
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string') {
        const operation = target.split('.')[1]!;
        const body = JSON.parse(raw) as Record<string, unknown>;
        record(operation, body);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId });
        res.end(JSON.stringify(this.jsonCall(operation, body)));
        return;
      }
      if (req.url?.startsWith('/2015-03-31/functions/')) {
        record('Invoke', { payload: raw });
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-amzn-requestid': requestId,
          'x-amz-executed-version': '$LATEST',
        });
        res.end('{"ok":true}');
        return;
      }
      const form = Object.fromEntries(new URLSearchParams(raw));
      record(form.Action ?? 'unknown', form);
      res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(this.queryCall(form, requestId));
    });
  }

  private jsonCall(operation: string, body: Record<string, unknown>): unknown {
    const queue = lastSegment(body.QueueUrl);
    switch (operation) {
      case 'SendMessage': {
        const message = body as {
          MessageBody: string;
          MessageAttributes?: WireAttributes;
          MessageSystemAttributes?: { AWSTraceHeader?: { StringValue?: string } };
        };
        this.deliver(
          queue,
          sqsRecord(
            { ...message, AWSTraceHeader: message.MessageSystemAttributes?.AWSTraceHeader?.StringValue },
            queue,
          ),
        );
        return { MessageId: randomUUID(), MD5OfMessageBody: md5(message.MessageBody) };
      }
      case 'SendMessageBatch': {
        const entries = body.Entries as Array<{ Id: string; MessageBody: string; MessageAttributes?: WireAttributes }>;
        for (const entry of entries) this.deliver(queue, sqsRecord(entry, queue));
        return {
          Successful: entries.map((e) => ({ Id: e.Id, MessageId: randomUUID(), MD5OfMessageBody: md5(e.MessageBody) })),
          Failed: [],
        };
      }
      case 'PutEvents':
        return { FailedEntryCount: 0, Entries: (body.Entries as unknown[]).map(() => ({ EventId: randomUUID() })) };
      default:
        return {};
    }
  }

  private queryCall(form: Record<string, string>, requestId: string): string {
    const meta = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
    if (form.Action === 'PublishBatch') {
      const ids = Object.keys(form).filter((k) => /^PublishBatchRequestEntries\.member\.\d+\.Id$/.test(k));
      const members = ids
        .map((k) => `<member><Id>${form[k]}</Id><MessageId>${randomUUID()}</MessageId></member>`)
        .join('');
      return `<PublishBatchResponse><PublishBatchResult><Successful>${members}</Successful><Failed/></PublishBatchResult>${meta}</PublishBatchResponse>`;
    }
    const publication: Publication = {
      TopicArn: form.TopicArn ?? '',
      Message: form.Message ?? '',
      MessageAttributes: formAttributes(form),
    };
    for (const subscription of this.routes.topics?.[lastSegment(form.TopicArn)] ?? []) {
      this.deliver(subscription.queue, snsToSqsRecord(publication, subscription.raw, subscription.queue));
    }
    return `<PublishResponse><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>${meta}</PublishResponse>`;
  }
}
