import { SpanKind, type Attributes } from '@opentelemetry/api';
import { isObject, str, type Json } from '../../guards';
import { arnName, type Trigger } from './trigger';

function messaging(
  source: Trigger['source'],
  faasTrigger: Trigger['faasTrigger'],
  system: string | undefined,
  destination: string | undefined,
  records: Json[],
  messageId: string | undefined,
): Trigger {
  const attributes: Attributes = {
    'messaging.operation.type': 'process',
    'messaging.batch.message_count': records.length,
  };
  if (system) attributes['messaging.system'] = system;
  if (destination) attributes['messaging.destination.name'] = destination;
  if (records.length === 1 && messageId) attributes['messaging.message.id'] = messageId;
  return {
    faasTrigger,
    source,
    kind: SpanKind.CONSUMER,
    spanName: destination ? `process ${destination}` : 'process',
    attributes,
    carrier: undefined,
    messages: records,
  };
}

function recordsTrigger(event: Json): Trigger | undefined {
  const records = Array.isArray(event.Records) ? event.Records.filter(isObject) : [];
  const first = records[0];
  if (!first) return undefined;
  const source = str(first.eventSource) ?? str(first.EventSource);
  switch (source) {
    case 'aws:sqs':
      return messaging('sqs', 'pubsub', 'aws_sqs', arnName(first.eventSourceARN), records, str(first.messageId));
    case 'aws:sns': {
      const sns = isObject(first.Sns) ? first.Sns : {};
      return messaging('sns', 'pubsub', 'aws_sns', arnName(sns.TopicArn), records, str(sns.MessageId));
    }
    case 'aws:kinesis': {
      const kinesis = isObject(first.kinesis) ? first.kinesis : {};
      return messaging(
        'kinesis',
        'pubsub',
        'aws_kinesis',
        arnName(first.eventSourceARN),
        records,
        str(kinesis.sequenceNumber),
      );
    }
    case 'aws:dynamodb': {
      // Stream ARNs end in table/NAME/stream/LABEL: the table is the collection.
      const table = str(first.eventSourceARN)?.split(':table/')[1]?.split('/')[0];
      const trigger = messaging('dynamodb', 'datasource', undefined, table, records, str(first.eventID));
      const attributes: Attributes = { ...trigger.attributes };
      if (table) attributes['faas.document.collection'] = table;
      const operation = str(first.eventName);
      if (operation && records.length === 1) attributes['faas.document.operation'] = documentOperation(operation);
      return { ...trigger, attributes };
    }
    case 'aws:s3': {
      const s3 = isObject(first.s3) ? first.s3 : {};
      const bucket = isObject(s3.bucket) ? str(s3.bucket.name) : undefined;
      const object = isObject(s3.object) ? str(s3.object.key) : undefined;
      const attributes: Attributes = {};
      if (bucket) attributes['faas.document.collection'] = bucket;
      const operation = str(first.eventName);
      if (operation) attributes['faas.document.operation'] = documentOperation(operation);
      if (object && records.length === 1) attributes['faas.document.name'] = object;
      const time = str(first.eventTime);
      if (time) attributes['faas.document.time'] = time;
      return {
        faasTrigger: 'datasource',
        source: 's3',
        kind: SpanKind.CONSUMER,
        spanName: bucket ? `process ${bucket}` : 'process',
        attributes,
        carrier: undefined,
        messages: undefined,
      };
    }
    default:
      return undefined;
  }
}

/** Maps DynamoDB (INSERT/MODIFY/REMOVE) and S3 (ObjectCreated:Put, ...) event names to faas.document.operation. */
function documentOperation(eventName: string): string {
  if (eventName === 'INSERT' || eventName.startsWith('ObjectCreated')) return 'insert';
  if (eventName === 'MODIFY') return 'edit';
  if (eventName === 'REMOVE' || eventName.startsWith('ObjectRemoved')) return 'delete';
  return eventName;
}

function eventBridgeTrigger(event: Json): Trigger | undefined {
  const detailType = str(event['detail-type']);
  const source = str(event.source);
  if (!detailType || !source || !('detail' in event)) return undefined;
  const schedule = detailType === 'Scheduled Event' && (source === 'aws.events' || source === 'aws.scheduler');
  const attributes: Attributes = {};
  const time = str(event.time);
  if (schedule) {
    if (time) attributes['faas.time'] = time;
    return {
      faasTrigger: 'timer',
      source: 'schedule',
      kind: SpanKind.SERVER,
      spanName: undefined,
      attributes,
      carrier: undefined,
      messages: undefined,
    };
  }
  attributes['messaging.operation.type'] = 'process';
  attributes['aws.eventbridge.source'] = source;
  attributes['aws.eventbridge.detail_type'] = detailType;
  const id = str(event.id);
  if (id) attributes['messaging.message.id'] = id;
  return {
    faasTrigger: 'pubsub',
    source: 'eventbridge',
    kind: SpanKind.CONSUMER,
    spanName: `process ${detailType}`,
    attributes,
    carrier: undefined,
    messages: [event],
  };
}

/** Non-HTTP triggers recognised by their event shape; undefined means a direct invoke. */
export function detectEvent(event: Json): Trigger | undefined {
  return recordsTrigger(event) ?? eventBridgeTrigger(event);
}
