import { isObject } from '../../src/guards';
import { REDACTED, type Redactor } from '../../src/redaction';
import type { OtlpAnyValue, OtlpKeyValue } from '../../src/otlp/types';

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

// AnyValue nests arrays and key-value lists; past this depth a value is dropped.
export const MAX_DEPTH = 8;
const MAX_KEY_LENGTH = 256;
const INT = /^-?\d{1,20}$/;
const INT64_LIMIT = 2 ** 63;
const SPECIAL_DOUBLES = new Set(['NaN', 'Infinity', '-Infinity']);

function cleanValue(value: unknown, rules: AttributeRules, stats: CleanStats, depth: number): OtlpAnyValue | undefined {
  if (!isObject(value) || depth > MAX_DEPTH) return undefined;
  if (typeof value.stringValue === 'string') {
    if (value.stringValue.length <= rules.maxValueLength) return { stringValue: rules.redactor.scrub(value.stringValue) };
    stats.truncatedValues++;
    return { stringValue: rules.redactor.scrub(value.stringValue.slice(0, rules.maxValueLength)) };
  }
  if (typeof value.boolValue === 'boolean') return { boolValue: value.boolValue };
  if (typeof value.intValue === 'string' && INT.test(value.intValue)) return { intValue: value.intValue };
  // OpenTelemetry JS sends intValue as a JSON number: past 2^53 it has already been rounded by
  // JSON.parse, which is still closer than dropping it.
  if (typeof value.intValue === 'number' && Number.isInteger(value.intValue) && value.intValue >= -INT64_LIMIT && value.intValue < INT64_LIMIT) return { intValue: BigInt(value.intValue).toString() };
  if (typeof value.doubleValue === 'number' || (typeof value.doubleValue === 'string' && SPECIAL_DOUBLES.has(value.doubleValue))) return { doubleValue: value.doubleValue };
  if (typeof value.bytesValue === 'string') {
    if (value.bytesValue.length <= rules.maxValueLength) return { bytesValue: value.bytesValue };
    stats.truncatedValues++;
    return undefined;
  }
  if (isObject(value.arrayValue) && Array.isArray(value.arrayValue.values)) {
    const values: OtlpAnyValue[] = [];
    for (const item of value.arrayValue.values.slice(0, rules.maxCount)) {
      const clean = cleanValue(item, rules, stats, depth + 1);
      if (clean) values.push(clean);
    }
    return { arrayValue: { values } };
  }
  if (isObject(value.kvlistValue) && Array.isArray(value.kvlistValue.values)) {
    return { kvlistValue: { values: cleanKeyValues(value.kvlistValue.values, rules, stats, depth + 1).kept } };
  }
  // An empty AnyValue is legal OTLP (an unset value).
  return Object.keys(value).length === 0 ? {} : undefined;
}

/**
 * Keeps valid key-values up to the count cap, truncates long values and replaces the
 * values of sensitive keys. `dropped` counts what was left out, for droppedAttributesCount.
 */
export function cleanKeyValues(list: unknown, rules: AttributeRules, stats: CleanStats, depth = 0): { kept: OtlpKeyValue[]; dropped: number } {
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
    const value = cleanValue(item.value, rules, stats, depth);
    if (value === undefined) dropped++;
    else kept.push({ key: item.key.slice(0, MAX_KEY_LENGTH), value });
  }
  return { kept, dropped };
}
