import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { Redactor } from '../../src/redaction';
import { RecordingSpan } from '../../src/tracer/span';

const RULES = {
  limits: { attributeCount: 128, attributeValueLength: 8192, eventCount: 128, linkCount: 128 },
  redactor: new Redactor([]),
};

/** One ended span as the exporter receives it, in `traceId` (a new trace without), under `parent` if given. */
export function endedSpan(
  name: string,
  {
    traceId = randomBytes(16).toString('hex'),
    parent,
    error = false,
  }: { traceId?: string; parent?: RecordingSpan; error?: boolean } = {},
): RecordingSpan {
  const span = new RecordingSpan(
    { traceId, spanId: randomBytes(8).toString('hex'), traceFlags: TraceFlags.SAMPLED },
    name,
    parent ? SpanKind.INTERNAL : SpanKind.SERVER,
    parent?.spanContext().spanId,
    Date.now(),
    { name: 'test' },
    RULES,
    { onEnd: () => undefined },
  );
  if (error) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
  return span;
}

/** `count` ended spans, each in a trace of its own, named `${name} 0`, `${name} 1`, …, as an invocation hands them over. */
export const endedSpans = (count: number, name = 'op'): RecordingSpan[] =>
  Array.from({ length: count }, (_, i) => endedSpan(`${name} ${i}`));
