import { randomBytes } from 'node:crypto';
import { SpanKind, TraceFlags } from '@opentelemetry/api';
import { Redactor } from '../../src/redaction';
import { RecordingSpan } from '../../src/tracer/span';

const limits = { limits: { attributeCount: 128, attributeValueLength: 8192, eventCount: 128, linkCount: 128 }, redactor: new Redactor([]) };

/** `count` ended spans of new traces, named `${name} 0`, `${name} 1`, ..., as an invocation hands them over. */
export function finishedSpans(count: number, name = 'op'): RecordingSpan[] {
  return Array.from({ length: count }, (_, i) => {
    const s = new RecordingSpan(
      { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), traceFlags: TraceFlags.SAMPLED },
      `${name} ${i}`,
      SpanKind.INTERNAL,
      undefined,
      Date.now(),
      { name: 'test' },
      limits,
      { onEnd: () => undefined },
    );
    s.end();
    return s;
  });
}
