import { describe, expect, it } from 'vitest';
import {
  MAX_MESSAGE_BYTES,
  messageBytes,
  withContextAttributes,
} from '../../../../src/instrumentation/message-attributes';

const attrs = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: String(i) }]));
const carrier = { traceparent: 'tp', tracestate: 'ts', baggage: 'bg' };
const ROOM = MAX_MESSAGE_BYTES;

describe('the 10 message attribute rule', () => {
  it.each([
    [0, ['traceparent', 'tracestate', 'baggage']],
    [7, ['traceparent', 'tracestate', 'baggage']],
    [8, ['traceparent', 'tracestate']],
    [9, ['traceparent']],
  ])('with %d attributes already, adds %j', (existing, added) => {
    const result = withContextAttributes(attrs(existing), carrier, ROOM);
    expect(Object.keys(result.attributes!)).toHaveLength(Math.min(10, existing + 3));
    expect(Object.keys(result.attributes!).filter((k) => !k.startsWith('a'))).toEqual(added);
    expect(result.dropped).toEqual(['traceparent', 'tracestate', 'baggage'].filter((f) => !added.includes(f)));
  });

  it('adds nothing with 10 already, and says what was dropped; nothing when the user set a traceparent', () => {
    const full = withContextAttributes(attrs(10), carrier, ROOM);
    expect(full.attributes).toBeUndefined();
    expect(full).toMatchObject({ dropped: ['traceparent', 'tracestate', 'baggage'], reason: 'attribute_limit' });
    const own = withContextAttributes({ traceparent: { DataType: 'String', StringValue: 'mine' } }, carrier, ROOM);
    expect(own).toMatchObject({ attributes: undefined, dropped: [] });
  });

  it('never writes an empty tracestate or baggage', () => {
    expect(
      Object.keys(withContextAttributes({}, { traceparent: 'tp', tracestate: '', baggage: '' }, ROOM).attributes!),
    ).toEqual(['traceparent']);
  });

  it('does not change the map it was given', () => {
    const existing = attrs(2);
    const copy = JSON.stringify(existing);
    withContextAttributes(existing, carrier, ROOM);
    expect(JSON.stringify(existing)).toBe(copy);
  });
});

describe('the 256 KiB rule', () => {
  const big = {
    traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
    tracestate: 'v=1',
    baggage: `k=${'x'.repeat(4000)}`,
  };

  it('counts a message as AWS does: body, then each attribute name, data type and value, in UTF-8 bytes', () => {
    expect(
      messageBytes('héllo', {
        k: { DataType: 'String', StringValue: 'vé' },
        b: { DataType: 'Binary', BinaryValue: new Uint8Array(5) },
      }),
    ).toBe(6 + 1 + 6 + 3 + 1 + 6 + 5);
  });

  it('leaves baggage out first, then tracestate, then the context itself, to stay within the room', () => {
    const all = withContextAttributes({}, big, ROOM);
    expect(all.bytes).toBe(messageBytes('', all.attributes));
    const withoutBaggage = withContextAttributes({}, big, all.bytes - 1);
    expect(Object.keys(withoutBaggage.attributes!)).toEqual(['traceparent', 'tracestate']);
    expect(withoutBaggage).toMatchObject({ dropped: ['baggage'], reason: 'size_limit' });
    const onlyParent = withContextAttributes({}, big, withoutBaggage.bytes - 1);
    expect(Object.keys(onlyParent.attributes!)).toEqual(['traceparent']);
    const none = withContextAttributes({}, big, onlyParent.bytes - 1);
    expect(none).toMatchObject({
      attributes: undefined,
      bytes: 0,
      dropped: ['traceparent', 'tracestate', 'baggage'],
      reason: 'size_limit',
    });
  });
});
