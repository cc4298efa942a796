import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REDACT_KEYS, REDACTED, Redactor } from '../../../../src/redaction';
import { RecordingSpan } from '../../../../src/tracer/span';

const limits = {
  limits: { attributeCount: 3, attributeValueLength: 5, eventCount: 2, linkCount: 1 },
  redactor: new Redactor(DEFAULT_REDACT_KEYS),
};

function make(): { span: RecordingSpan; ended: RecordingSpan[] } {
  const ended: RecordingSpan[] = [];
  const span = new RecordingSpan(
    { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED },
    'op',
    SpanKind.INTERNAL,
    undefined,
    Date.now(),
    { name: 't' },
    limits,
    { onEnd: (s) => ended.push(s) },
  );
  return { span, ended };
}

describe('RecordingSpan', () => {
  it('caps its name, event names and status message by the attribute value length limit', () => {
    const { span } = make();
    expect(span.name).toBe('op');
    span.updateName('renamed-too-long');
    span.addEvent('event-name-too-long');
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'a message far over the limit' });
    expect(span.name).toBe('renam');
    expect(span.events[0]!.name).toBe('event');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'a mes' });
  });

  it('makes a provisional copy that ends, with its status and marks, while the span stays open', () => {
    const { span, ended } = make();
    span.setAttributes({ a: 'x' });
    span.addEvent('e');
    const copy = span.provisionalCopy(
      span.startMs + 5,
      { code: SpanStatusCode.ERROR, message: 'timeout' },
      { 'error.type': 'timeout' },
    );
    expect(copy.spanContext()).toEqual(span.spanContext());
    expect(copy.endMs).toBe(span.startMs + 5);
    expect(copy.status).toEqual({ code: SpanStatusCode.ERROR, message: 'timeo' });
    expect(copy.attributes.values).toEqual({ a: 'x', 'error.type': 'timeo' });
    expect(copy.events.map((e) => e.name)).toEqual(['e']);
    expect(span.isRecording()).toBe(true);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(ended).toHaveLength(0);
    span.end();
    expect(ended).toEqual([span]);
  });

  it('caps attribute count and value length, counting what it dropped', () => {
    const { span } = make();
    span.setAttributes({ a: 'abcdefgh', b: ['123456', null, 'x'], c: 1, d: 2 });
    expect(span.attributes.values).toEqual({ a: 'abcde', b: ['12345', null, 'x'], c: 1 });
    expect(span.attributes.dropped).toBe(1);
    span.setAttribute('a', 'new');
    expect(span.attributes.values.a).toBe('new');
  });

  it('redacts sensitive keys as they are set, in span, event and link attributes', () => {
    const { span } = make();
    span.setAttributes({ 'db.password': 'hunter2', 'http.request.header.authorization': 'Bearer x' });
    span.addEvent('login', { session_token: 'abc' });
    span.addLink({
      context: { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: 1 },
      attributes: { apiKey: 'k' },
    });
    expect(span.attributes.values).toEqual({ 'db.password': REDACTED, 'http.request.header.authorization': REDACTED });
    expect(span.events[0]!.attributes.values).toEqual({ session_token: REDACTED });
    expect(span.links[0]!.attributes.values).toEqual({ apiKey: REDACTED });
  });

  it('refuses what no AnyValue can hold, counting it dropped', () => {
    const { span } = make();
    span.setAttribute('date', new Date() as never);
    span.setAttribute('map', new Map() as never);
    span.setAttribute('fn', (() => 1) as never);
    span.setAttribute('big', 1n as never);
    span.setAttribute('', 'empty key');
    span.setAttribute('unset', undefined as never);
    expect(Object.keys(span.attributes.values)).toEqual([]);
    expect(span.attributes.dropped).toBe(4);
  });

  it('keeps prototype-polluting keys as plain data', () => {
    const { span } = make();
    span.setAttribute('__proto__', 'x');
    span.setAttribute('constructor', 'y');
    expect(Object.keys(span.attributes.values)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('caps events and links', () => {
    const { span } = make();
    for (let i = 0; i < 5; i++) span.addEvent(`e${i}`);
    span.addLinks([
      { context: { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: 1 } },
      { context: { traceId: 'e'.repeat(32), spanId: 'f'.repeat(16), traceFlags: 1 } },
    ]);
    expect(span.events).toHaveLength(2);
    expect(span.droppedEvents).toBe(3);
    expect(span.links).toHaveLength(1);
    expect(span.droppedLinks).toBe(1);
  });

  it('follows the status rules: OK is final, UNSET never overrides', () => {
    const { span } = make();
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'bad' });
    span.setStatus({ code: SpanStatusCode.UNSET });
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad' });
    span.setStatus({ code: SpanStatusCode.OK, message: 'ignored for OK' });
    span.setStatus({ code: SpanStatusCode.ERROR });
    expect(span.status).toEqual({ code: SpanStatusCode.OK });
  });

  it('ends once, ignores changes after, and never ends before it started', () => {
    const { span, ended } = make();
    span.end(0);
    span.end();
    span.setAttribute('late', 'x');
    span.updateName('renamed');
    expect(ended).toHaveLength(1);
    expect(span.endMs).toBe(span.startMs);
    expect(span.isRecording()).toBe(false);
    expect(span.name).toBe('op');
    expect(span.attributes.values.late).toBeUndefined();
  });

  it('accepts events with a time in any TimeInput form', () => {
    const { span } = make();
    span.addEvent('hr', [1_700_000_000, 500_000_000]);
    span.addEvent('date', new Date(1_700_000_000_000));
    expect(span.events.map((e) => e.timeMs)).toEqual([1_700_000_000_500, 1_700_000_000_000]);
  });

  it('records exceptions given as errors, strings and odd objects', () => {
    const { span } = make();
    span.recordException('plain message');
    span.recordException({ code: 'ECONNRESET', message: 'reset' });
    expect(span.events.map((e) => e.attributes.values)).toEqual([
      { 'exception.message': 'plain' },
      { 'exception.type': 'ECONN', 'exception.message': 'reset' },
    ]);
  });
});

describe('time inputs', () => {
  it('reads small numbers as performance.now() and large ones as epoch ms, even before process start', async () => {
    const { toEpochMs, processStartMs } = await import('../../../../src/tracer/time');
    expect(toEpochMs(1_600_000_000_000)).toBe(1_600_000_000_000);
    // Offsets from the process start, as performance.now() readings are (no clock compared
    // with another: two readings of a loaded machine's clocks differ by milliseconds).
    expect(toEpochMs(0)).toBe(processStartMs());
    expect(toEpochMs(10) - toEpochMs(0)).toBeCloseTo(10, 9);
  });
});
