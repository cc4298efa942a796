import { createHash, randomUUID } from 'node:crypto';

/** Message attributes as the AWS SDK sends them (SQS and SNS alike). */
export type WireAttributes = Record<string, { DataType: string; StringValue?: string }>;

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** The SQS record Lambda delivers for a message sent with these fields. */
export function sqsRecord(
  message: { MessageBody: string; MessageAttributes?: WireAttributes; AWSTraceHeader?: string },
  queue = 'orders',
): Record<string, unknown> {
  const messageAttributes: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      stringValue: a.StringValue,
      stringListValues: [],
      binaryListValues: [],
      dataType: a.DataType,
    };
  }
  const now = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: 'AQEB',
    body: message.MessageBody,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'AIDALOCAL',
      ApproximateFirstReceiveTimestamp: now,
      ...(message.AWSTraceHeader ? { AWSTraceHeader: message.AWSTraceHeader } : {}),
    },
    messageAttributes,
    md5OfBody: md5(message.MessageBody),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queue}`,
    awsRegion: 'us-east-1',
  };
}

export interface Publication {
  TopicArn: string;
  Message: string;
  MessageAttributes: WireAttributes;
}

const snsAttributes = (attributes: WireAttributes): Record<string, { Type: string; Value: string | undefined }> =>
  Object.fromEntries(Object.entries(attributes).map(([k, a]) => [k, { Type: a.DataType, Value: a.StringValue }]));

/** The SQS record of an SNS → SQS delivery: the SNS envelope in the body, or the raw message. */
export function snsToSqsRecord(
  publication: Publication,
  raw: boolean,
  queue = 'shipments-queue',
): Record<string, unknown> {
  if (raw)
    return sqsRecord({ MessageBody: publication.Message, MessageAttributes: publication.MessageAttributes }, queue);
  const envelope = {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: publication.TopicArn,
    Message: publication.Message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    MessageAttributes: snsAttributes(publication.MessageAttributes),
  };
  return sqsRecord({ MessageBody: JSON.stringify(envelope) }, queue);
}

/** The SNS record Lambda delivers to a function subscribed to the topic. */
export function snsRecord(publication: Publication): Record<string, unknown> {
  return {
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: `${publication.TopicArn}:subscription`,
    Sns: {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: publication.TopicArn,
      Message: publication.Message,
      Timestamp: new Date().toISOString(),
      MessageAttributes: snsAttributes(publication.MessageAttributes),
    },
  };
}

/** SNS query-protocol message attributes under `prefix` (e.g. `MessageAttributes`), as a map. */
export function formAttributes(form: Record<string, unknown>, prefix = 'MessageAttributes'): WireAttributes {
  const out: WireAttributes = {};
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.entry\\.(\\d+)\\.Name$`);
  for (const [key, value] of Object.entries(form)) {
    const match = pattern.exec(key);
    if (!match) continue;
    const base = `${prefix}.entry.${match[1]}.Value`;
    out[String(value)] = {
      DataType: String(form[`${base}.DataType`]),
      StringValue: form[`${base}.StringValue`] as string | undefined,
    };
  }
  return out;
}
