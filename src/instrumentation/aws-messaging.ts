import { propagation, SpanKind, trace, type Attributes, type Context, type Tracer } from '@opentelemetry/api';
import { isObject, str, type Json } from '../guards';
import { logger } from '../logger';
import { EVENTBRIDGE_CONTEXT_KEY, type Carrier } from '../propagation/record-carrier';
import { XRAY_HEADER } from '../propagation/xray';
import { withContextAttributes } from './message-attributes';

/** How one messaging call (SQS, SNS, EventBridge, Lambda Invoke) is traced and carries context. */
export interface MessagingPlan {
  readonly name: string;
  readonly attributes: Attributes;
  /** A copy of the input with the context of `ctx` injected; the user's input is never mutated. */
  inject(ctx: Context, tracer: Tracer): Json;
}

const MAX_CLIENT_CONTEXT_BASE64 = 3583;
const MAX_EVENTBRIDGE_ENTRY_BYTES = 256 * 1024;

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

/**
 * Batch calls get one `create` span per entry, each entry carrying its own context, so a
 * consumer's per-message span joins the right message.
 */
function perEntry(entries: Json[], ctx: Context, tracer: Tracer, destination: string, base: Attributes, inject: (entry: Json, carrier: Carrier) => Json): Json[] {
  return entries.map((entry) => {
    const span = tracer.startSpan(`create ${destination}`, { kind: SpanKind.PRODUCER, attributes: { ...base, 'messaging.operation.type': 'create' } }, ctx);
    span.end();
    return inject(entry, carrierOf(trace.setSpan(ctx, span)));
  });
}

function sqsMessage(entry: Json, carrier: Carrier): Json {
  const next: Json = { ...entry };
  const attributes = withContextAttributes(entry.MessageAttributes, carrier, 'SQS');
  if (attributes) next.MessageAttributes = attributes;
  // X-Ray's header has a system attribute of its own, outside the 10.
  const xray = carrier[XRAY_HEADER];
  const system = isObject(entry.MessageSystemAttributes) ? entry.MessageSystemAttributes : {};
  if (xray && system.AWSTraceHeader === undefined) next.MessageSystemAttributes = { ...system, AWSTraceHeader: { DataType: 'String', StringValue: xray } };
  return next;
}

function snsMessage(entry: Json, carrier: Carrier): Json {
  const attributes = withContextAttributes(entry.MessageAttributes, carrier, 'SNS');
  return attributes ? { ...entry, MessageAttributes: attributes } : entry;
}

function eventBridgeEntry(entry: Json, carrier: Carrier): Json {
  const next: Json = { ...entry };
  const xray = carrier[XRAY_HEADER];
  if (xray && entry.TraceHeader === undefined) next.TraceHeader = xray;
  if (typeof entry.Detail !== 'string') return next;
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return next;
  }
  // Only an object detail has room for a field; arrays, strings and numbers stay as they are.
  if (!isObject(detail) || detail[EVENTBRIDGE_CONTEXT_KEY] !== undefined) return next;
  const context: Carrier = {};
  for (const key of ['traceparent', 'tracestate', 'baggage']) if (carrier[key]) context[key] = carrier[key]!;
  const withContext = { ...next, Detail: JSON.stringify({ ...detail, [EVENTBRIDGE_CONTEXT_KEY]: context }) };
  if (Buffer.byteLength(JSON.stringify(withContext)) > MAX_EVENTBRIDGE_ENTRY_BYTES) {
    logger.warnOnce('eventbridge-size', 'an EventBridge entry is too close to 256 KB to carry the trace context; sent without it.');
    return next;
  }
  return withContext;
}

function lambdaClientContext(input: Json, carrier: Carrier): Json {
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
  const encoded = Buffer.from(JSON.stringify({ ...existing, custom: { ...custom, ...carrier } })).toString('base64');
  if (encoded.length > MAX_CLIENT_CONTEXT_BASE64) {
    logger.warnOnce('lambda-client-context', 'a Lambda ClientContext has no room for the trace context (3583 bytes at most); invoked without it.');
    return input;
  }
  return { ...input, ClientContext: encoded };
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
      return { name: `send ${queue}`, attributes: messaging('aws_sqs', queue, operation, undefined), inject: (ctx) => sqsMessage(input, carrierOf(ctx)) };
    }
    case 'SQS.SendMessageBatch': {
      const queue = lastSegment(input.QueueUrl) ?? 'unknown';
      const entries = entriesOf(input.Entries);
      const attributes = messaging('aws_sqs', queue, operation, entries.length);
      return { name: `send ${queue}`, attributes, inject: (ctx, tracer) => ({ ...input, Entries: perEntry(entries, ctx, tracer, queue, attributes, sqsMessage) }) };
    }
    case 'SNS.Publish': {
      const topic = lastSegment(input.TopicArn ?? input.TargetArn) ?? 'phone_number';
      return { name: `publish ${topic}`, attributes: messaging('aws_sns', topic, operation, undefined), inject: (ctx) => snsMessage(input, carrierOf(ctx)) };
    }
    case 'SNS.PublishBatch': {
      const topic = lastSegment(input.TopicArn) ?? 'unknown';
      const entries = entriesOf(input.PublishBatchRequestEntries);
      const attributes = messaging('aws_sns', topic, operation, entries.length);
      return {
        name: `publish ${topic}`,
        attributes,
        inject: (ctx, tracer) => ({ ...input, PublishBatchRequestEntries: perEntry(entries, ctx, tracer, topic, attributes, snsMessage) }),
      };
    }
    case 'EventBridge.PutEvents': {
      const entries = entriesOf(input.Entries);
      const bus = lastSegment(entries[0]?.EventBusName) ?? 'default';
      const attributes = messaging('aws_eventbridge', bus, operation, entries.length);
      return { name: `send ${bus}`, attributes, inject: (ctx, tracer) => ({ ...input, Entries: perEntry(entries, ctx, tracer, bus, attributes, eventBridgeEntry) }) };
    }
    case 'Lambda.Invoke': {
      const fn = functionName(input.FunctionName) ?? 'unknown';
      const attributes: Attributes = { 'faas.invoked_name': fn, 'faas.invoked_provider': 'aws' };
      if (typeof input.InvocationType === 'string') attributes['aws.lambda.invocation_type'] = input.InvocationType;
      return { name: `invoke ${fn}`, attributes, inject: (ctx) => lambdaClientContext(input, carrierOf(ctx)) };
    }
    default:
      return undefined;
  }
}
