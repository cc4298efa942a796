import { describe, expect, it } from 'vitest';
import { micros } from '../../../../src/otlp/micros';

// The rule micros implements, as it was first written: the text must be 1 to 20 digits.
const byRule = (value: string): number =>
  /^\d{1,20}$/.test(value) ? (value.length <= 3 ? 0 : Number(value.slice(0, -3))) : Number.NaN;

describe('micros', () => {
  it('truncates decimal nanoseconds to microseconds, exactly, across the whole range of 20 digits', () => {
    const values = [
      '0',
      '999',
      '1000',
      '1999',
      '1700000000123456789',
      '9007199254740991999',
      '9007199254740992999',
      '9007199254740993999',
      '18446744073709551615',
      '99999999999999999999',
      '00000000000000001234',
    ];
    for (const value of values) expect(micros(value), value).toBe(byRule(value));
    expect(micros('1700000000123456789')).toBe(1_700_000_000_123_456);
  });

  it('refuses what is not 1 to 20 digits', () => {
    for (const value of ['', '-1000', '1e9', '12 34', '1000\n', '123456789012345678901', '１２３４']) {
      expect(micros(value), JSON.stringify(value)).toBeNaN();
      expect(byRule(value)).toBeNaN();
    }
    expect(micros(undefined)).toBeNaN();
    expect(micros(null)).toBeNaN();
  });

  it('takes numbers as nanoseconds too', () => {
    expect(micros(1_234_567)).toBe(1234);
  });
});
