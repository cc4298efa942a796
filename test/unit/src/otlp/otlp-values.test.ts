import { describe, expect, it } from 'vitest';
import { attributeMap, plainValue } from '../../../../src/otlp/values';

describe('OTLP values as plain values', () => {
  it('reads every AnyValue kind, nested ones too', () => {
    expect(plainValue({ stringValue: 'a' })).toBe('a');
    expect(plainValue({ boolValue: false })).toBe(false);
    expect(plainValue({ intValue: '42' })).toBe(42);
    expect(plainValue({ doubleValue: 1.5 })).toBe(1.5);
    expect(plainValue({ doubleValue: 'NaN' })).toBeNaN();
    expect(plainValue({ arrayValue: { values: [{ intValue: '1' }, { stringValue: 'x' }] } })).toEqual([1, 'x']);
    expect(plainValue({ kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } })).toEqual({ k: true });
    expect(plainValue({})).toBeNull();
  });

  it('keeps every digit of an integer outside the safe range', () => {
    expect(plainValue({ intValue: '9007199254740993' })).toBe('9007199254740993');
  });

  it('keeps prototype keys as plain data and skips malformed entries', () => {
    const map = attributeMap([
      { key: '__proto__', value: { stringValue: 'p' } },
      null as never,
      { key: 'ok', value: { intValue: '1' } },
    ]);
    expect(Object.getPrototypeOf(map)).toBeNull();
    // biome-ignore lint/complexity/useLiteralKeys lint/suspicious/noProto: the own key `__proto__` is what is tested.
    expect(map['__proto__']).toBe('p');
    expect(map.ok).toBe(1);
  });
});
