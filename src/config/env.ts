// The configuration kit: a variable is a name, a parser (./parsers) and a default; a policy
// decides what a bad value does. The library warns once and keeps the default, since tracing
// must never break a handler; the handlers refuse to start. Each variable's one-line
// description is its TSDoc, which `npm run render:env` renders into
// docs/environment-variables.md, so that no description ships in a bundle.
import { logger } from '../logger';
import { InvalidValueError, type Parser } from './parsers';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Variable<T> {
  /** The variable, then those read when it is unset (OpenTelemetry's general one behind a signal's). */
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
export function variable<T, D extends T | undefined>(
  names: Variable<T>['names'],
  parser: Parser<T>,
  fallback: D,
): Variable<T | D> {
  return { names, parser, default: fallback };
}

/** A variable whose value holds keys: messages name it without its value. */
/* @__NO_SIDE_EFFECTS__ */
export function secret<T>(v: Variable<T>): Variable<T> {
  return { ...v, secret: true };
}

/** A variable without which a handler cannot start: `readOrRefuse` returns it set. */
export type RequiredVariable<T> = Variable<T | undefined> & { readonly required: true };

/* @__NO_SIDE_EFFECTS__ */
export function required<T>(name: string, parser: Parser<T>): RequiredVariable<T> {
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

/** The library's policy: a bad value warns once; the default, or what of the value is usable, stands. */
export const warnOnce: Policy = (v, name, raw, error) => {
  const usable = error.usable !== undefined;
  const outcome = usable ? 'the rest is used' : 'the default is used';
  logger.warnOnce(`env:${name}`, `${invalidMessage(v, name, raw, error)}; ${outcome}.`);
  return (usable ? error.usable : v.default) as never;
};

/** The handlers' policy: a bad value refuses start; a handler that runs misconfigured loses spans. */
export const refuse: Policy = (v, name, raw, error) => {
  throw new EnvironmentError(invalidMessage(v, name, raw, error), { cause: error });
};

/** A handler's read: a required variable unset, or a bad value, refuses start. */
export function readOrRefuse<T>(env: Env, v: RequiredVariable<T>): T;
export function readOrRefuse<T>(env: Env, v: Variable<T>): T;
export function readOrRefuse<T>(env: Env, v: Variable<T>): T {
  if (v.required && !rawValue(env, v)) throw new EnvironmentError(`${v.names[0]} is not set`);
  return readVariable(env, v, refuse);
}
