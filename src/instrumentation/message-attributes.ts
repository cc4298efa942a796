import { logger } from '../logger';
import type { Carrier } from '../propagation/record-carrier';
import { isObject } from '../guards';

/** SQS and SNS (when delivered to SQS) allow at most 10 message attributes per message. */
export const MAX_MESSAGE_ATTRIBUTES = 10;

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
}

// In order of importance: with room for one, the trace still connects.
const FIELDS = ['traceparent', 'tracestate', 'baggage'] as const;

/**
 * The message attributes with the trace context added, never more than 10 in all; the
 * user's own attributes are kept as they are. Undefined means leave the message alone:
 * the user set a `traceparent` of their own, or there is no room for one (logged once).
 */
export function withContextAttributes(existing: unknown, carrier: Carrier, service: string): Record<string, MessageAttribute> | undefined {
  const current = isObject(existing) ? (existing as Record<string, MessageAttribute>) : {};
  if (current.traceparent !== undefined || !carrier.traceparent) return undefined;
  let room = MAX_MESSAGE_ATTRIBUTES - Object.keys(current).length;
  if (room < 1) {
    logger.warnOnce(
      `attributes-full:${service}`,
      `a ${service} message already has ${MAX_MESSAGE_ATTRIBUTES} message attributes: no room for the trace context, so the consumer starts a new trace.`,
    );
    return undefined;
  }
  const added: Record<string, MessageAttribute> = {};
  for (const field of FIELDS) {
    const value = carrier[field];
    if (!value || room < 1) continue;
    added[field] = { DataType: 'String', StringValue: value };
    room--;
  }
  return { ...current, ...added };
}
