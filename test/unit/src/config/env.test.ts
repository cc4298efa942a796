import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  EnvironmentError,
  readOrRefuse,
  readVariable,
  required,
  secret,
  variable,
  warnOnce,
} from '../../../../src/config/env';
import {
  boolean,
  httpUrl,
  keyValues,
  names,
  nonNegative,
  oneOf,
  orOff,
  positive,
  ratio,
  text,
  type Parser,
} from '../../../../src/config/parsers';

afterEach(() => vi.restoreAllMocks());

let unique = 0;
/** A fresh name per case: the library warns once per variable per process. */
const fresh = (): string => `HOPTRACE_TEST_${++unique}`;

/** The lines the library warns from now on. */
function warnings(): () => string[] {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  return () => warn.mock.calls.map((c) => String(c[0]));
}

const KEY_VALUES = 'k=v pairs, comma-separated, values percent-encoded';

// Each parser with values it refuses, a default, and a value it reads.
const CASES: Array<{ parser: Parser<unknown>; fallback: unknown; bad: string[]; good: [string, unknown] }> = [
  { parser: boolean, fallback: true, bad: ['yes', '1', 'on'], good: ['FALSE', false] },
  { parser: nonNegative, fallback: 5, bad: ['-1', 'lots', 'Infinity', '1e999'], good: ['0', 0] },
  { parser: ratio, fallback: 1, bad: ['1.5', '-0.1', 'half'], good: ['0.25', 0.25] },
  { parser: positive('ms'), fallback: 10, bad: ['0', '-5', 'soon'], good: ['2.5', 2.5] },
  { parser: oneOf(['gzip', 'none']), fallback: 'none', bad: ['br', 'gzip,none'], good: ['GZIP', 'gzip'] },
  { parser: names, fallback: ['a'], bad: [',', ' , ,'], good: ['B, c', ['b', 'c']] },
  { parser: orOff(positive('ms')), fallback: 1000, bad: ['-5', 'of'], good: ['OFF', undefined] },
  { parser: httpUrl, fallback: undefined, bad: ['jaeger:4318', 'ftp://x'], good: ['https://x/v1', 'https://x/v1'] },
];
const BAD = CASES.flatMap((c) => c.bad.map((bad) => [c.parser.rule, bad.trim(), c] as const));

describe('the parsers under the library policy: warn once, keep the default', () => {
  it.each(BAD)('%s refuses "%s"', (rule, bad, c) => {
    const seen = warnings();
    const name = fresh();
    const v = variable([name], c.parser, c.fallback);
    expect(readVariable({ [name]: ` ${bad} ` }, v, warnOnce)).toEqual(c.fallback);
    expect(readVariable({ [name]: bad }, v, warnOnce)).toEqual(c.fallback);
    expect(seen()).toEqual([`[hoptrace] ${name}="${bad}" must be ${rule}; the default is used.`]);
  });

  const GOOD = CASES.map((c) => [c.parser.rule, c] as const);
  it.each(GOOD)('%s reads a good value, trimmed, without a warning', (_rule, c) => {
    const seen = warnings();
    const name = fresh();
    const v = variable([name], c.parser, c.fallback);
    expect(readVariable({ [name]: ` ${c.good[0]} ` }, v, warnOnce)).toEqual(c.good[1]);
    expect(seen()).toEqual([]);
  });

  it('reads an unset or blank variable as its default, and the first name set of several', () => {
    const v = variable(['HOPTRACE_A', 'HOPTRACE_B'], nonNegative, 7);
    expect(readVariable({}, v, warnOnce)).toBe(7);
    expect(readVariable({ HOPTRACE_A: '  ', HOPTRACE_B: '' }, v, warnOnce)).toBe(7);
    expect(readVariable({ HOPTRACE_A: ' ', HOPTRACE_B: '3' }, v, warnOnce)).toBe(3);
    expect(readVariable({ HOPTRACE_A: '1', HOPTRACE_B: '3' }, v, warnOnce)).toBe(1);
  });

  it('keeps the well-formed pairs of a k=v list, naming the others by position, never their text', () => {
    const seen = warnings();
    const name = fresh();
    const v = secret(variable([name], keyValues, {}));
    const read = readVariable({ [name]: 'x-api-key=abc%3D,broken-secret, =v,y=%E0%A4%A' }, v, warnOnce);
    expect(read).toEqual({ 'x-api-key': 'abc=', y: '%E0%A4%A' });
    const message = `${name} (value not shown) must be ${KEY_VALUES} (members 2, 3, 4 are not); the rest is used.`;
    expect(seen()).toEqual([`[hoptrace] ${message}`]);
    expect(seen().join()).not.toMatch(/abc|broken-secret/);
  });

  it('reads a k=v list with blank members and spaces without a warning', () => {
    const seen = warnings();
    const name = fresh();
    const v = variable([name], keyValues, {});
    expect(readVariable({ [name]: 'a=1, b = x%20y ,' }, v, warnOnce)).toEqual({ a: '1', b: 'x y' });
    expect(seen()).toEqual([]);
  });

  it('lets a parser error that is not a bad value through: a bug, not a configuration', () => {
    const name = fresh();
    const broken: Parser<number> = {
      rule: 'anything',
      parse: () => {
        throw new TypeError('bug');
      },
    };
    expect(() => readVariable({ [name]: 'x' }, variable([name], broken, 0), warnOnce)).toThrow(TypeError);
  });
});

describe("the parsers under the handlers' policy: refuse at start", () => {
  it.each(BAD)('%s refuses "%s"', (rule, bad, c) => {
    const name = fresh();
    const read = (): unknown => readOrRefuse({ [name]: ` ${bad} ` }, variable([name], c.parser, c.fallback));
    expect(read).toThrow(EnvironmentError);
    expect(read).toThrow(`${name}="${bad}" must be ${rule}`);
  });

  it('refuses a k=v list with a malformed pair, without writing the value of a secret one', () => {
    const name = fresh();
    const v = secret(variable([name], keyValues, {}));
    const read = (): unknown => readOrRefuse({ [name]: 'authorization=Bearer%20abc,oops' }, v);
    expect(read).toThrow(`${name} (value not shown) must be ${KEY_VALUES} (member 2 is not)`);
    expect(read).not.toThrow(/abc/);
  });

  it('refuses a required variable unset or blank, and reads it when set', () => {
    const v = required('HOPTRACE_NEEDED', text);
    expect(() => readOrRefuse({}, v)).toThrow(new EnvironmentError('HOPTRACE_NEEDED is not set'));
    expect(() => readOrRefuse({ HOPTRACE_NEEDED: ' ' }, v)).toThrow('HOPTRACE_NEEDED is not set');
    expect(readOrRefuse({ HOPTRACE_NEEDED: ' s ' }, v)).toBe('s');
  });

  it("names the error and keeps the parser's as its cause", () => {
    const name = fresh();
    try {
      readOrRefuse({ [name]: 'x' }, variable([name], boolean, true));
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ name: 'EnvironmentError', cause: { name: 'InvalidValueError' } });
    }
  });
});
