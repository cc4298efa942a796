import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { isObject } from '../guards';
import { VERSION } from '../version';
import { detectEvent } from '../wrapper/triggers/events';
import { recordCarrier } from './event-carrier';

// A proxy of the global API: it follows whichever provider is registered, looked up once.
// Pure, so a bundle that never uses this module can still drop it.
const tracer = /* @__PURE__ */ trace.getTracer('hoptrace', VERSION);

interface RecordSpan {
  span: Span;
  ctx: Context;
}

function startRecordSpan(record: unknown): RecordSpan {
  const active = context.active();
  const invocation = trace.getSpan(active);
  const carrier = recordCarrier(record);
  // Extract onto the active context minus its span, so the invocation's recorder and
  // baggage carry over while the producer becomes the parent.
  const producer = carrier ? propagation.extract(trace.deleteSpan(active), carrier) : undefined;
  const fromProducer = producer !== undefined && trace.getSpanContext(producer) !== undefined;
  const parent = fromProducer ? producer : active;
  const trigger = detectEvent(isObject(record) && 'detail-type' in record ? record : { Records: [record] });
  const attributes: Attributes = { ...trigger?.attributes };
  delete attributes['messaging.batch.message_count'];
  const links: Link[] = fromProducer && invocation ? [{ context: invocation.spanContext() }] : [];
  const span = tracer.startSpan(trigger?.spanName ?? 'process', { kind: SpanKind.CONSUMER, attributes, links }, parent);
  return { span, ctx: trace.setSpan(parent, span) };
}

/**
 * Runs `fn` for one batch record inside a CONSUMER span that continues the trace of the
 * record's producer and links back to the invocation, so per-message work shows up in each
 * producer's own trace. The context is read from SQS and SNS records and EventBridge events;
 * a record without one (Kinesis and DynamoDB stream records have no place for it) gets a span
 * under the invocation. `fn`'s result or error passes through unchanged.
 *
 * @example
 * ```typescript
 * import type { SQSEvent } from 'aws-lambda';
 * import { traceRecord, withTracing } from 'hoptrace';
 *
 * export const handler = withTracing(async (event: SQSEvent) => {
 *   for (const record of event.Records) await traceRecord(record, () => handle(record));
 * });
 * ```
 */
export async function traceRecord<T>(record: unknown, fn: () => T | Promise<T>): Promise<T> {
  let started: RecordSpan;
  try {
    started = startRecordSpan(record);
  } catch {
    return fn();
  }
  const { span, ctx } = started;
  try {
    return await context.with(ctx, fn);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}
