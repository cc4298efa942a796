// The parsers of the configuration kit (./env): each reads a variable's trimmed, non-blank
// text, or throws `InvalidValueError`; its rule ends the message of either policy.

/**
 * Thrown by a parser: the value breaks its parser's rule, or `rule` when given (more precise);
 * `usable` is what could still be read of it.
 */
export class InvalidValueError<T = unknown> extends Error {
  override readonly name = 'InvalidValueError';
  constructor(
    readonly rule?: string,
    readonly usable?: T,
  ) {
    super(rule);
  }
}

export interface Parser<T> {
  /** What a value must be, ending "NAME="value" must be …"; also the docs' "accepts" column. */
  readonly rule: string;
  /** Reads a trimmed, non-blank value; throws `InvalidValueError` when it breaks the rule. */
  readonly parse: (raw: string) => T;
}

function invalid(): never {
  throw new InvalidValueError();
}

// `parse` is a method, not an arrow: V8 parses a module-level arrow in full when the bundle
// loads, a method only when first called (bench: init instructions).
export const text: Parser<string> = {
  rule: 'any text',
  parse(raw) {
    return raw;
  },
};

export const boolean: Parser<boolean> = {
  rule: 'true or false',
  parse(raw) {
    const value = raw.toLowerCase();
    return value === 'true' || (value !== 'false' && invalid());
  },
};

/** A number that passes `check`. */
/* @__NO_SIDE_EFFECTS__ */
export function numberWhere(rule: string, check: (n: number) => boolean): Parser<number> {
  return {
    rule,
    parse(raw) {
      const value = Number(raw);
      return Number.isFinite(value) && check(value) ? value : invalid();
    },
  };
}

export const nonNegative = numberWhere('a non-negative number', (n) => n >= 0);

export const ratio = numberWhere('between 0 and 1', (n) => n >= 0 && n <= 1);

/** A number over 0; `unit` ends the rule: "a positive number of ms". */
/* @__NO_SIDE_EFFECTS__ */
export function positive(unit?: string): Parser<number> {
  return numberWhere(unit ? `a positive number of ${unit}` : 'a positive number', (n) => n > 0);
}

/** `off`, read as undefined, or a value of `parser`. */
/* @__NO_SIDE_EFFECTS__ */
export function orOff<T>(parser: Parser<T>): Parser<T | undefined> {
  return {
    rule: `${parser.rule} or "off"`,
    parse(raw) {
      return raw.toLowerCase() === 'off' ? undefined : parser.parse(raw);
    },
  };
}

export const httpUrl: Parser<string> = {
  rule: 'an http(s) URL',
  parse(raw) {
    return /^https?:\/\//.test(raw) ? raw : invalid();
  },
};

/** One of `values`, matched without case. */
/* @__NO_SIDE_EFFECTS__ */
export function oneOf<const V extends string>(values: readonly V[]): Parser<V> {
  return {
    rule: `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`,
    parse(raw) {
      const value = raw.toLowerCase() as V;
      return values.includes(value) ? value : invalid();
    },
  };
}

/** Comma-separated names, lower-cased; at least one. */
export const names: Parser<string[]> = {
  rule: 'comma-separated names',
  parse(raw) {
    const list = raw
      .split(',')
      .map((p) => p.trim().toLowerCase())
      .filter(Boolean);
    return list.length > 0 ? list : invalid();
  },
};

const KEY_VALUES = 'k=v pairs, comma-separated, values percent-encoded';

/**
 * The `k=v,k2=v2` lists of `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES`, values
 * percent-encoded. A malformed member makes the value invalid, with the others usable.
 */
export const keyValues: Parser<Record<string, string>> = {
  rule: KEY_VALUES,
  parse(raw) {
    const result = Object.create(null) as Record<string, string>;
    // By position: a member may hold a key, never written into a message.
    const bad: number[] = [];
    raw.split(',').forEach((member, i) => {
      const eq = member.indexOf('=');
      const key = eq > 0 ? member.slice(0, eq).trim() : '';
      if (!key) {
        if (member.trim()) bad.push(i + 1);
        return;
      }
      const value = member.slice(eq + 1).trim();
      try {
        result[key] = decodeURIComponent(value);
      } catch {
        // Kept as written: a badly encoded value is likelier right as is than useless.
        result[key] = value;
        bad.push(i + 1);
      }
    });
    if (bad.length === 0) return result;
    const which = bad.length === 1 ? `member ${bad[0]} is not` : `members ${bad.join(', ')} are not`;
    throw new InvalidValueError(`${KEY_VALUES} (${which})`, result);
  },
};
