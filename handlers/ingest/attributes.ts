import { isObject } from '../../src/guards';
import { REDACTED, type Redactor } from '../../src/redaction';
import type { OtlpAnyValue, OtlpKeyValue } from '../../src/otlp/types';
import { MAX_VALUE_DEPTH, MAX_VALUE_NODES } from '../../src/otlp/value-bounds';

export interface AttributeRules {
  maxCount: number;
  maxValueLength: number;
  /** Which keys' values are replaced before storage. */
  redactor: Redactor;
}

/** What cleaning cut: counted, never silent. */
export interface CleanStats {
  truncatedValues: number;
  redactedValues: number;
}

const MAX_KEY_LENGTH = 256;
const INT = /^-?\d{1,20}$/;
const INT64_LIMIT = 2 ** 63;
const SPECIAL_DOUBLES = new Set(['NaN', 'Infinity', '-Infinity']);

/** What one attribute's value may still hold, counted as it is walked. */
interface ValueWalk {
  rules: AttributeRules;
  stats: CleanStats;
  nodes: number;
}

/**
 * A value cleaned as the library cleans it before export (src/tracer/attributes.ts): each
 * string and byte array inside cut to the value length limit, sensitive keys of key-value
 * lists at any depth redacted, strings scrubbed. Undefined when any part is no AnyValue or the
 * value passes the nesting bounds: the attribute is then dropped whole, never sent in part.
 */
function cleanValue(value: unknown, walk: ValueWalk, depth: number): OtlpAnyValue | undefined {
  if (!isObject(value) || depth > MAX_VALUE_DEPTH || ++walk.nodes > MAX_VALUE_NODES) return undefined;
  const { rules, stats } = walk;
  if (typeof value.stringValue === 'string') {
    if (value.stringValue.length <= rules.maxValueLength)
      return { stringValue: rules.redactor.scrub(value.stringValue) };
    stats.truncatedValues++;
    return { stringValue: rules.redactor.scrub(value.stringValue.slice(0, rules.maxValueLength)) };
  }
  if (typeof value.boolValue === 'boolean') return { boolValue: value.boolValue };
  if (typeof value.intValue === 'string' && INT.test(value.intValue)) return { intValue: value.intValue };
  // OpenTelemetry JS sends intValue as a JSON number: past 2^53 it has already been rounded by
  // JSON.parse, which is still closer than dropping it.
  if (
    typeof value.intValue === 'number' &&
    Number.isInteger(value.intValue) &&
    value.intValue >= -INT64_LIMIT &&
    value.intValue < INT64_LIMIT
  )
    return { intValue: BigInt(value.intValue).toString() };
  if (
    typeof value.doubleValue === 'number' ||
    (typeof value.doubleValue === 'string' && SPECIAL_DOUBLES.has(value.doubleValue))
  )
    return { doubleValue: value.doubleValue };
  if (typeof value.bytesValue === 'string') {
    // The limit counts bytes, as the SDK counts a Uint8Array's; base64 is 4 characters per 3.
    const bytes = Buffer.from(value.bytesValue, 'base64');
    if (bytes.length <= rules.maxValueLength) return { bytesValue: bytes.toString('base64') };
    stats.truncatedValues++;
    return { bytesValue: bytes.subarray(0, rules.maxValueLength).toString('base64') };
  }
  if (isObject(value.arrayValue)) {
    const list = value.arrayValue.values ?? [];
    if (!Array.isArray(list)) return undefined;
    const values: OtlpAnyValue[] = [];
    for (const item of list) {
      const clean = cleanValue(item, walk, depth + 1);
      if (!clean) return undefined;
      values.push(clean);
    }
    return { arrayValue: { values } };
  }
  if (isObject(value.kvlistValue)) {
    const list = value.kvlistValue.values ?? [];
    if (!Array.isArray(list)) return undefined;
    const values: OtlpKeyValue[] = [];
    for (const kv of list) {
      if (!isObject(kv) || typeof kv.key !== 'string') return undefined;
      if (rules.redactor.isSensitive(kv.key)) {
        stats.redactedValues++;
        values.push({ key: kv.key.slice(0, MAX_KEY_LENGTH), value: { stringValue: REDACTED } });
        continue;
      }
      // OTLP JSON leaves an unset value out: the empty value.
      const clean = cleanValue(kv.value ?? {}, walk, depth + 1);
      if (!clean) return undefined;
      values.push({ key: kv.key.slice(0, MAX_KEY_LENGTH), value: clean });
    }
    return { kvlistValue: { values } };
  }
  // An empty AnyValue is legal OTLP (an unset value).
  return Object.keys(value).length === 0 ? {} : undefined;
}

/**
 * Keeps valid key-values up to the count cap (a complex value counts as one, as in the
 * SDK), truncates long values and replaces the values of sensitive keys. `dropped` counts
 * what was left out, for droppedAttributesCount.
 */
export function cleanKeyValues(
  list: unknown,
  rules: AttributeRules,
  stats: CleanStats,
): { kept: OtlpKeyValue[]; dropped: number } {
  if (!Array.isArray(list)) return { kept: [], dropped: 0 };
  const kept: OtlpKeyValue[] = [];
  let dropped = 0;
  for (const item of list) {
    if (kept.length >= rules.maxCount) {
      dropped++;
      continue;
    }
    if (!isObject(item) || typeof item.key !== 'string' || item.key === '') {
      dropped++;
      continue;
    }
    if (rules.redactor.isSensitive(item.key)) {
      stats.redactedValues++;
      kept.push({ key: item.key, value: { stringValue: REDACTED } });
      continue;
    }
    // OTLP JSON leaves an unset value out, as inside a key-value list: the empty value.
    const value = cleanValue(item.value ?? {}, { rules, stats, nodes: 0 }, 0);
    if (value === undefined) dropped++;
    else kept.push({ key: item.key.slice(0, MAX_KEY_LENGTH), value });
  }
  return { kept, dropped };
}
