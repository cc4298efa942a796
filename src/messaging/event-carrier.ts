import { isObject, str, type Json } from '../guards';
import { CONTEXT_FIELDS, type Carrier } from '../propagation/carrier';
import { XRAY_HEADER } from '../propagation/xray';
import { EVENTBRIDGE_CONTEXT_KEY } from './eventbridge-detail';

// Cheap tests before parsing an SQS body as an SNS envelope: a 256 KB body that is not one
// must not cost a JSON.parse, in a batch of up to 10,000 records.
const ENVELOPE_HINTS = ['"TopicArn"', '"traceparent"'];

function fromAttributes(
  attributes: unknown,
  read: (value: unknown) => string | undefined,
  fields: readonly string[] = CONTEXT_FIELDS,
): Carrier | undefined {
  if (!isObject(attributes)) return undefined;
  let carrier: Carrier | undefined;
  for (const field of fields) {
    const value = read(attributes[field]);
    if (value !== undefined) (carrier ??= {})[field] = value;
  }
  return carrier;
}

/** SQS message attribute in a Lambda event: `{ dataType: 'String', stringValue }`. Binary and Number are ignored. */
const sqsValue = (a: unknown): string | undefined =>
  isObject(a) && str(a.dataType)?.startsWith('String') ? str(a.stringValue) : undefined;

/** SNS message attribute, in a Lambda event or an SNS envelope: `{ Type: 'String', Value }`. */
const snsValue = (a: unknown): string | undefined =>
  isObject(a) && str(a.Type)?.startsWith('String') ? str(a.Value) : undefined;

function snsEnvelope(body: unknown): Json | undefined {
  if (typeof body !== 'string' || body[0] !== '{' || !ENVELOPE_HINTS.every((h) => body.includes(h))) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return isObject(parsed) && typeof parsed.TopicArn === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function sqsCarrier(record: Json): Carrier | undefined {
  // Raw delivery (or a direct SQS send): the context is in the message attributes.
  let carrier = fromAttributes(record.messageAttributes, sqsValue);
  // SNS → SQS without raw delivery: the context is inside the SNS envelope in the body.
  if (!carrier) carrier = fromAttributes(snsEnvelope(record.body)?.MessageAttributes, snsValue);
  const xray = isObject(record.attributes) ? str(record.attributes.AWSTraceHeader) : undefined;
  if (xray) (carrier ??= {})[XRAY_HEADER] = xray;
  return carrier;
}

function eventBridgeCarrier(event: Json): Carrier | undefined {
  return isObject(event.detail) ? fromAttributes(event.detail[EVENTBRIDGE_CONTEXT_KEY], str) : undefined;
}

/**
 * The trace context a queue or bus message carries: SQS (message attributes, the SNS
 * envelope of an SNS → SQS delivery, `AWSTraceHeader`), SNS, an EventBridge event. Kinesis
 * and DynamoDB stream records have no place for one. Never throws.
 */
export function recordCarrier(record: unknown): Carrier | undefined {
  if (!isObject(record)) return undefined;
  try {
    if (record.eventSource === 'aws:sqs') return sqsCarrier(record);
    if (record.EventSource === 'aws:sns')
      return isObject(record.Sns) ? fromAttributes(record.Sns.MessageAttributes, snsValue) : undefined;
    if (typeof record['detail-type'] === 'string') return eventBridgeCarrier(record);
    return undefined;
  } catch {
    return undefined;
  }
}

/** The context a direct invoke carries in its client context (`ClientContext.custom`). */
export function clientContextCarrier(clientContext: unknown): Carrier | undefined {
  return isObject(clientContext)
    ? fromAttributes(clientContext.custom, str, [...CONTEXT_FIELDS, XRAY_HEADER])
    : undefined;
}
