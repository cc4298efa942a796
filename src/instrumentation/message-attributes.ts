import { isObject } from '../guards';
import type { Carrier } from '../propagation/carrier';
import { fitContext } from './context-fit';

/** SQS and SNS (when delivered to SQS) allow at most 10 message attributes per message. */
export const MAX_MESSAGE_ATTRIBUTES = 10;

/** SQS and SNS refuse a message over 256 KiB, body and message attributes together; a batch's messages together too. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  return ArrayBuffer.isView(value) ? value.byteLength : 0;
}

/** Bytes SQS and SNS count for message attributes: each name, data type and value. */
function attributeBytes(attributes: unknown): number {
  if (!isObject(attributes)) return 0;
  let bytes = 0;
  for (const [name, attribute] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name);
    if (isObject(attribute))
      bytes += valueBytes(attribute.DataType) + valueBytes(attribute.StringValue) + valueBytes(attribute.BinaryValue);
  }
  return bytes;
}

/** The size SQS and SNS count for a message: its body (and SNS subject) and its message attributes. */
export function messageBytes(body: unknown, attributes: unknown): number {
  return valueBytes(body) + attributeBytes(attributes);
}

function asAttributes(carrier: Carrier): Record<string, MessageAttribute> {
  const attributes: Record<string, MessageAttribute> = {};
  for (const [field, value] of Object.entries(carrier)) attributes[field] = { DataType: 'String', StringValue: value };
  return attributes;
}

export interface ContextAttributes {
  /** The message's attributes with the context added; undefined means leave the message alone. */
  readonly attributes: Record<string, MessageAttribute> | undefined;
  /** The bytes the added attributes take. */
  readonly bytes: number;
  /** Context fields left out, and why. */
  readonly dropped: string[];
  readonly reason: 'attribute_limit' | 'size_limit';
}

/**
 * The message attributes with as much of the trace context added as fits both the
 * 10-attribute limit and `roomBytes`, baggage left out first; the user's own attributes are
 * kept as they are. A `traceparent` the user set is left alone.
 */
export function withContextAttributes(existing: unknown, carrier: Carrier, roomBytes: number): ContextAttributes {
  const current = isObject(existing) ? (existing as Record<string, MessageAttribute>) : {};
  if (current.traceparent !== undefined || !carrier.traceparent)
    return { attributes: undefined, bytes: 0, dropped: [], reason: 'attribute_limit' };
  const slots = MAX_MESSAGE_ATTRIBUTES - Object.keys(current).length;
  const bySlots = fitContext(carrier, (c) => Object.keys(c).length <= slots);
  const fitted = fitContext(
    carrier,
    (c) => Object.keys(c).length <= slots && attributeBytes(asAttributes(c)) <= roomBytes,
  );
  const reason = fitted.dropped.length > bySlots.dropped.length ? 'size_limit' : 'attribute_limit';
  if (!fitted.carrier) return { attributes: undefined, bytes: 0, dropped: fitted.dropped, reason };
  const added = asAttributes(fitted.carrier);
  return { attributes: { ...current, ...added }, bytes: attributeBytes(added), dropped: fitted.dropped, reason };
}
