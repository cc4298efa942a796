// The configuration kit: a variable is a name, a parser and a default; a policy decides what
// a bad value does. The library warns once and keeps the default, since tracing must never
// break a handler; the handlers refuse to start. Each variable's one-line description is its
// TSDoc, which `npm run docs:env` renders into docs/environment-variables.md, so that no
// description ships in a bundle.
import { logger } from '../logger';

export type Env = Readonly<Record<string, string | undefined>>;

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

export interface Variable<T> {
  /** The variable, then the ones read when it is unset (OpenTelemetry's general one behind a signal's). */
  readonly names: readonly [string, ...string[]];
  readonly parser: Parser<T>;
  /** The value when no name is set (blank counts as unset). */
  readonly default: T;
  /** Unset refuses start, whatever the policy. */
  readonly required?: true;
  /** The value is never written into a message (it holds keys). */
  readonly secret?: true;
}

/** What a bad value becomes: the value to use, or a throw. */
export type Policy = <T>(variable: Variable<T>, name: string, raw: string, error: InvalidValueError) => T;

// These factories are free of side effects: a bundle drops what an entry never reads. esbuild
// takes the mark only within this file; other modules mark their calls `/* @__PURE__ */`.
/* @__NO_SIDE_EFFECTS__ */
export function variable<T, D extends T | undefined>(names: Variable<T>['names'], parser: Parser<T>, fallback: D): Variable<T | D> {
  return { names, parser, default: fallback };
}

/** A variable whose value holds keys: messages name it without its value. */
/* @__NO_SIDE_EFFECTS__ */
export function secret<T>(v: Variable<T>): Variable<T> {
  return { ...v, secret: true };
}

/** A variable without which a handler cannot start. */
/* @__NO_SIDE_EFFECTS__ */
export function required<T>(name: string, parser: Parser<T>): Variable<T | undefined> {
  return { names: [name], parser, default: undefined, required: true };
}

/** A handler's configuration is wrong: it refuses to start, naming the variable and its value. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

/** The first of the variable's names that is set and not blank, with its trimmed value. */
export function rawValue(env: Env, v: Variable<unknown>): [name: string, raw: string] | undefined {
  for (const name of v.names) {
    const raw = env[name]?.trim();
    if (raw) return [name, raw];
  }
  return undefined;
}

/** The variable's value under `policy`: its default when unset. */
export function readVariable<T>(env: Env, v: Variable<T>, policy: Policy): T {
  const found = rawValue(env, v);
  if (!found) return v.default;
  try {
    return v.parser.parse(found[1]);
  } catch (error) {
    if (!(error instanceof InvalidValueError)) throw error;
    return policy(v, found[0], found[1], error);
  }
}

const invalidMessage = (v: Variable<unknown>, name: string, raw: string, error: InvalidValueError): string =>
  `${v.secret ? `${name} (value not shown)` : `${name}="${raw}"`} must be ${error.rule ?? v.parser.rule}`;

/** The library's policy: a bad value warns once, and the default (or what of the value is usable) stands. */
export const warnOnce: Policy = (v, name, raw, error) => {
  const usable = error.usable !== undefined;
  logger.warnOnce(`env:${name}`, `${invalidMessage(v, name, raw, error)}; ${usable ? 'the rest is used' : 'the default is used'}.`);
  return (usable ? error.usable : v.default) as never;
};

/** The handlers' policy: a bad value refuses start; a handler that runs misconfigured loses spans. */
export const refuse: Policy = (v, name, raw, error) => {
  throw new EnvironmentError(invalidMessage(v, name, raw, error), { cause: error });
};

/** A handler's read: a required variable unset, or a bad value, refuses start. */
export function readOrRefuse<T>(env: Env, v: Variable<T>): T {
  if (v.required && !rawValue(env, v)) throw new EnvironmentError(`${v.names[0]} is not set`);
  return readVariable(env, v, refuse);
}

const invalid = (): never => {
  throw new InvalidValueError();
};

export const text: Parser<string> = { rule: 'any text', parse: (raw) => raw };

export const boolean: Parser<boolean> = {
  rule: 'true or false',
  parse: (raw) => {
    const value = raw.toLowerCase();
    return value === 'true' || (value !== 'false' && invalid());
  },
};

/** A number that passes `check`. */
/* @__NO_SIDE_EFFECTS__ */
export function numberWhere(rule: string, check: (n: number) => boolean): Parser<number> {
  return {
    rule,
    parse: (raw) => {
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
  return { rule: `${parser.rule} or "off"`, parse: (raw) => (raw.toLowerCase() === 'off' ? undefined : parser.parse(raw)) };
}

export const httpUrl: Parser<string> = { rule: 'an http(s) URL', parse: (raw) => (/^https?:\/\//.test(raw) ? raw : invalid()) };

/** One of `values`, matched without case. */
/* @__NO_SIDE_EFFECTS__ */
export function oneOf<const V extends string>(values: readonly V[]): Parser<V> {
  return {
    rule: `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`,
    parse: (raw) => {
      const value = raw.toLowerCase() as V;
      return values.includes(value) ? value : invalid();
    },
  };
}

/** Comma-separated names, lower-cased; at least one. */
export const names: Parser<string[]> = {
  rule: 'comma-separated names',
  parse: (raw) => {
    const list = raw
      .split(',')
      .map((p) => p.trim().toLowerCase())
      .filter(Boolean);
    return list.length > 0 ? list : invalid();
  },
};

/**
 * The `k=v,k2=v2` lists of `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES`, values
 * percent-encoded. A malformed member makes the value invalid, with the others usable.
 */
export const keyValues: Parser<Record<string, string>> = {
  rule: 'k=v pairs, comma-separated, values percent-encoded',
  parse: (raw) => {
    const result = Object.create(null) as Record<string, string>;
    // By position: a member may hold a key, never written into a message.
    const bad: number[] = [];
    const members = raw.split(',');
    members.forEach((member, i) => {
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
    if (bad.length > 0) throw new InvalidValueError(`k=v pairs, comma-separated, values percent-encoded (member ${bad.join(', ')} is not)`, result);
    return result;
  },
};
