import { describe, expect, it } from 'vitest';
import { withContextAttributes } from '../../src/instrumentation/message-attributes';

const attrs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: String(i) }]));
const carrier = { traceparent: 'tp', tracestate: 'ts', baggage: 'bg' };

describe('the 10 message attribute rule', () => {
  it.each([
    [0, ['traceparent', 'tracestate', 'baggage']],
    [7, ['traceparent', 'tracestate', 'baggage']],
    [8, ['traceparent', 'tracestate']],
    [9, ['traceparent']],
  ])('with %d attributes already, adds %j', (existing, added) => {
    const result = withContextAttributes(attrs(existing), carrier, 'SQS')!;
    expect(Object.keys(result)).toHaveLength(Math.min(10, existing + 3));
    expect(Object.keys(result).filter((k) => !k.startsWith('a'))).toEqual(added);
  });

  it('adds nothing with 10 already, or when the user set a traceparent', () => {
    expect(withContextAttributes(attrs(10), carrier, 'SQS')).toBeUndefined();
    expect(withContextAttributes({ traceparent: { DataType: 'String', StringValue: 'mine' } }, carrier, 'SQS')).toBeUndefined();
  });

  it('never writes an empty tracestate or baggage', () => {
    expect(Object.keys(withContextAttributes({}, { traceparent: 'tp', tracestate: '', baggage: '' }, 'SNS')!)).toEqual(['traceparent']);
  });

  it('does not change the map it was given', () => {
    const existing = attrs(2);
    const copy = JSON.stringify(existing);
    withContextAttributes(existing, carrier, 'SQS');
    expect(JSON.stringify(existing)).toBe(copy);
  });
});
