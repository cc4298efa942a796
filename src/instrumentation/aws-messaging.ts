import { propagation, SpanKind, trace, type Attributes, type Context, type Tracer } from '@opentelemetry/api';
import { isObject, str, type Json } from '../guards';
import { logger } from '../logger';
import { detailShape, detailWithContext } from '../messaging/eventbridge-detail';
import { HoptraceAttribute } from '../otlp/hoptrace-attributes';
import type { Carrier } from '../propagation/carrier';
import { XRAY_HEADER } from '../propagation/xray';
import { contextFields, fitContext } from './context-fit';
import { MAX_MESSAGE_BYTES, messageBytes, withContextAttributes } from './message-attributes';

/** How one messaging call (SQS, SNS, EventBridge, Lambda Invoke) is traced and carries context. */
export interface MessagingPlan {
  readonly name: string;
  readonly attributes: Attributes;
  /** A copy of the input with the context of `ctx` injected; the user's input is never mutated. */
  inject(ctx: Context, tracer: Tracer): Json;
}

const MAX_CLIENT_CONTEXT_BASE64 = 3583;
// EventBridge limits each entry on its own (its measure: eventBridgeEntryBytes).
const MAX_EVENTBRIDGE_ENTRY_BYTES = 256 * 1024;

/** Why a message went without (part of) its context: the span says so, and one log line. */
type DropReason = 'attribute_limit' | 'size_limit' | 'detail_not_object' | 'client_context_limit' | 'async_invoke';

const WHY: Record<DropReason, string> = {
  attribute_limit: 'already has the 10 message attributes SQS and SNS allow',
  size_limit: 'would pass the size AWS accepts with it (256 KiB a message or batch)',
  detail_not_object: 'has a Detail that is not a JSON object, the only place an EventBridge event can carry it',
  client_context_limit: 'would pass 3,583 bytes of ClientContext with it',
  async_invoke: 'is asynchronous (InvocationType Event), and Lambda delivers ClientContext to synchronous invokes only',
};

/**
 * Marks the span whose context a message was to carry with what was left out
 * (`hoptrace.context.dropped`) and why (`hoptrace.context.drop_reason`).
 */
function recordDropped(ctx: Context, message: string, dropped: readonly string[], reason: DropReason): void {
  if (dropped.length === 0) return;
  const span = trace.getSpan(ctx);
  span?.setAttribute(HoptraceAttribute.ContextDropped, [...dropped]);
  span?.setAttribute(HoptraceAttribute.ContextDropReason, reason);
  const what = dropped.includes('traceparent')
    ? 'the trace context (the consumer starts a new trace)'
    : dropped.join(' and ');
  logger.warnOnce(
    `context-dropped:${message}:${reason}:${dropped.join()}`,
    `${message} ${WHY[reason]}: sent without ${what}.`,
  );
}

/** Bytes a batch (or one message) may still take for the context, shared by its entries. */
interface Room {
  bytes: number;
}

function carrierOf(ctx: Context): Carrier {
  const carrier: Carrier = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The last segment of a queue URL or ARN: `https://sqs.../123/orders` → `orders`. */
function lastSegment(value: unknown): string | undefined {
  const text = str(value);
  return text?.split(/[/:]/).filter(Boolean).at(-1);
}

/** A function name, from a name, a partial ARN or an ARN that may end in an alias. */
function functionName(value: unknown): string | undefined {
  const text = str(value);
  return text ? (/function:([^:]+)/.exec(text)?.[1] ?? text) : undefined;
}

function entriesOf(value: unknown): Json[] {
  return Array.isArray(value) ? value.map((e) => (isObject(e) ? e : {})) : [];
}

type Inject = (entry: Json, ctx: Context) => Json;

/**
 * Batch calls get one `create` span per entry, each entry carrying its own context, so a
 * consumer's per-message span joins the right message.
 */
function perEntry(
  entries: Json[],
  ctx: Context,
  tracer: Tracer,
  destination: string,
  base: Attributes,
  inject: Inject,
): Json[] {
  return entries.map((entry) => {
    const span = tracer.startSpan(
      `create ${destination}`,
      { kind: SpanKind.PRODUCER, attributes: { ...base, 'messaging.operation.type': 'create' } },
      ctx,
    );
    const next = inject(entry, trace.setSpan(ctx, span));
    span.end();
    return next;
  });
}

/** What is left of 256 KiB once the user's own messages are counted: SQS and SNS limit a batch as a whole. */
function roomLeft(messages: Json[], body: (message: Json) => number): Room {
  return { bytes: MAX_MESSAGE_BYTES - messages.reduce((sum, message) => sum + body(message), 0) };
}

const sqsBytes = (m: Json): number => messageBytes(m.MessageBody, m.MessageAttributes);
const snsBytes = (m: Json): number => messageBytes(m.Message, m.MessageAttributes) + messageBytes(m.Subject, undefined);

function withAttributes(entry: Json, ctx: Context, carrier: Carrier, room: Room, message: string): Json {
  const added = withContextAttributes(entry.MessageAttributes, carrier, room.bytes);
  recordDropped(ctx, message, added.dropped, added.reason);
  if (!added.attributes) return entry;
  room.bytes -= added.bytes;
  return { ...entry, MessageAttributes: added.attributes };
}

function sqsMessage(entry: Json, ctx: Context, room: Room): Json {
  const carrier = carrierOf(ctx);
  const next = withAttributes(entry, ctx, carrier, room, 'an SQS message');
  // X-Ray's header has a system attribute of its own, outside the 10 and the 256 KiB.
  const xray = carrier[XRAY_HEADER];
  const system = isObject(entry.MessageSystemAttributes) ? entry.MessageSystemAttributes : {};
  if (!xray || system.AWSTraceHeader !== undefined) return next;
  return { ...next, MessageSystemAttributes: { ...system, AWSTraceHeader: { DataType: 'String', StringValue: xray } } };
}

function snsMessage(entry: Json, ctx: Context, room: Room): Json {
  return withAttributes(entry, ctx, carrierOf(ctx), room, 'an SNS message');
}

/** EventBridge's own measure of an entry (PutEvents entry size). */
function eventBridgeEntryBytes(entry: Json): number {
  const resources = Array.isArray(entry.Resources)
    ? entry.Resources.reduce<number>((sum, r) => sum + (typeof r === 'string' ? Buffer.byteLength(r) : 0), 0)
    : 0;
  const text = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  return (
    (entry.Time !== undefined ? 14 : 0) + text(entry.Source) + text(entry.DetailType) + text(entry.Detail) + resources
  );
}

function eventBridgeEntry(entry: Json, ctx: Context): Json {
  const carrier = carrierOf(ctx);
  const next: Json = { ...entry };
  const xray = carrier[XRAY_HEADER];
  if (xray && entry.TraceHeader === undefined) next.TraceHeader = xray;
  if (typeof entry.Detail !== 'string' || !carrier.traceparent) return next;
  const detail = entry.Detail;
  const shape = detailShape(detail);
  // An array, string or number has no room for a field; a detail that has the key already is the user's.
  if (shape === 'not_object') recordDropped(ctx, 'an EventBridge entry', contextFields(carrier), 'detail_not_object');
  if (shape !== 'object') return next;
  const room = MAX_EVENTBRIDGE_ENTRY_BYTES - eventBridgeEntryBytes(entry);
  const detailBytes = Buffer.byteLength(detail);
  const fitted = fitContext(carrier, (c) => Buffer.byteLength(detailWithContext(detail, c)) - detailBytes <= room);
  recordDropped(ctx, 'an EventBridge entry', fitted.dropped, 'size_limit');
  return fitted.carrier ? { ...next, Detail: detailWithContext(detail, fitted.carrier) } : next;
}

function encodeClientContext(clientContext: Json): string {
  return Buffer.from(JSON.stringify(clientContext)).toString('base64');
}

function lambdaClientContext(input: Json, ctx: Context): Json {
  if (input.InvocationType === 'Event') {
    // Lambda drops ClientContext on the way to an asynchronous invocation; the payload is the
    // user's. The span says the consumer starts a new trace.
    recordDropped(ctx, 'a Lambda Invoke', contextFields(carrierOf(ctx)), 'async_invoke');
    return input;
  }
  let existing: Json = {};
  if (typeof input.ClientContext === 'string') {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(input.ClientContext, 'base64').toString('utf8'));
      if (!isObject(parsed)) return input;
      existing = parsed;
    } catch {
      return input;
    }
  }
  const custom = isObject(existing.custom) ? existing.custom : {};
  if (custom.traceparent !== undefined) return input;
  const carrier = carrierOf(ctx);
  const xray = carrier[XRAY_HEADER] ? { [XRAY_HEADER]: carrier[XRAY_HEADER] } : {};
  const fitted = fitContext(
    carrier,
    (c) =>
      encodeClientContext({ ...existing, custom: { ...custom, ...c, ...xray } }).length <= MAX_CLIENT_CONTEXT_BASE64,
  );
  recordDropped(ctx, 'a Lambda Invoke', fitted.dropped, 'client_context_limit');
  return fitted.carrier
    ? {
        ...input,
        ClientContext: encodeClientContext({ ...existing, custom: { ...custom, ...fitted.carrier, ...xray } }),
      }
    : input;
}

function messaging(system: string, destination: string, operation: string, count: number | undefined): Attributes {
  const attributes: Attributes = {
    'messaging.system': system,
    'messaging.destination.name': destination,
    'messaging.operation.type': 'send',
    'messaging.operation.name': operation,
  };
  if (count !== undefined) attributes['messaging.batch.message_count'] = count;
  return attributes;
}

/** The plan for a call that sends messages or invokes a function; undefined for other calls. */
export function messagingPlan(service: string, operation: string, input: Json): MessagingPlan | undefined {
  switch (`${service}.${operation}`) {
    case 'SQS.SendMessage': {
      const queue = lastSegment(input.QueueUrl) ?? 'unknown';
      return {
        name: `send ${queue}`,
        attributes: messaging('aws_sqs', queue, operation, undefined),
        inject: (ctx) => sqsMessage(input, ctx, roomLeft([input], sqsBytes)),
      };
    }
    case 'SQS.SendMessageBatch': {
      const queue = lastSegment(input.QueueUrl) ?? 'unknown';
      const entries = entriesOf(input.Entries);
      const attributes = messaging('aws_sqs', queue, operation, entries.length);
      return {
        name: `send ${queue}`,
        attributes,
        inject: (ctx, tracer) => {
          const room = roomLeft(entries, sqsBytes);
          return {
            ...input,
            Entries: perEntry(entries, ctx, tracer, queue, attributes, (entry, c) => sqsMessage(entry, c, room)),
          };
        },
      };
    }
    case 'SNS.Publish': {
      const topic = lastSegment(input.TopicArn ?? input.TargetArn) ?? 'phone_number';
      return {
        name: `publish ${topic}`,
        attributes: messaging('aws_sns', topic, operation, undefined),
        inject: (ctx) => snsMessage(input, ctx, roomLeft([input], snsBytes)),
      };
    }
    case 'SNS.PublishBatch': {
      const topic = lastSegment(input.TopicArn) ?? 'unknown';
      const entries = entriesOf(input.PublishBatchRequestEntries);
      const attributes = messaging('aws_sns', topic, operation, entries.length);
      return {
        name: `publish ${topic}`,
        attributes,
        inject: (ctx, tracer) => {
          const room = roomLeft(entries, snsBytes);
          return {
            ...input,
            PublishBatchRequestEntries: perEntry(entries, ctx, tracer, topic, attributes, (entry, c) =>
              snsMessage(entry, c, room),
            ),
          };
        },
      };
    }
    case 'EventBridge.PutEvents': {
      const entries = entriesOf(input.Entries);
      const bus = lastSegment(entries[0]?.EventBusName) ?? 'default';
      const attributes = messaging('aws_eventbridge', bus, operation, entries.length);
      return {
        name: `send ${bus}`,
        attributes,
        inject: (ctx, tracer) => ({
          ...input,
          Entries: perEntry(entries, ctx, tracer, bus, attributes, eventBridgeEntry),
        }),
      };
    }
    case 'Lambda.Invoke': {
      const fn = functionName(input.FunctionName) ?? 'unknown';
      const attributes: Attributes = { 'faas.invoked_name': fn, 'faas.invoked_provider': 'aws' };
      if (typeof input.InvocationType === 'string') attributes['aws.lambda.invocation_type'] = input.InvocationType;
      return { name: `invoke ${fn}`, attributes, inject: (ctx) => lambdaClientContext(input, ctx) };
    }
    default:
      return undefined;
  }
}
