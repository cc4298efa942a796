import { logger } from '../logger';

export type Env = Readonly<Record<string, string | undefined>>;

/** The first variable of the list that is set and not blank. */
export function readString(env: Env, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

export function readBoolean(env: Env, name: string): boolean | undefined {
  const value = readString(env, name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  logger.warnOnce(`env:${name}`, `${name}="${env[name]}" is not true or false; ignored.`);
  return undefined;
}

/** A non-negative number from the first variable set; bad values warn once and fall back. */
export function readNumber(env: Env, ...names: string[]): number | undefined {
  for (const name of names) {
    const raw = readString(env, name);
    if (raw === undefined) continue;
    const value = Number(raw);
    if (Number.isFinite(value) && value >= 0) return value;
    logger.warnOnce(`env:${name}`, `${name}="${raw}" is not a non-negative number; ignored.`);
  }
  return undefined;
}

/**
 * Parses the `k=v,k2=v2` lists of `OTEL_EXPORTER_OTLP_HEADERS` and
 * `OTEL_RESOURCE_ATTRIBUTES` (values percent-encoded). Malformed members are skipped.
 */
export function readKeyValueList(env: Env, ...names: string[]): Record<string, string> {
  const result = Object.create(null) as Record<string, string>;
  const raw = readString(env, ...names);
  if (!raw) return result;
  for (const member of raw.split(',')) {
    const eq = member.indexOf('=');
    if (eq <= 0) continue;
    const key = member.slice(0, eq).trim();
    let value = member.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      logger.warnOnce(`env:kv:${key}`, `the value of "${key}" in ${names[0]} is not percent-encoded correctly; used as is.`);
    }
    if (key) result[key] = value;
  }
  return result;
}
