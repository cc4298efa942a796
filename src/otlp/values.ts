import { isObject } from '../guards';
import type { OtlpAnyValue, OtlpKeyValue } from './types';

/** A plain JavaScript value for an OTLP `AnyValue`, for readers of stored spans. */
export type PlainValue = string | number | boolean | null | PlainValue[] | { [key: string]: PlainValue };

/**
 * An OTLP JSON `AnyValue` as a plain value: `intValue` becomes a number (a string when it is
 * outside the safe integer range, so no digit is lost), arrays and key-value lists nest, and
 * anything unrecognised is null.
 */
export function plainValue(value: OtlpAnyValue | undefined): PlainValue {
  if (!isObject(value)) return null;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (typeof value.bytesValue === 'string') return value.bytesValue;
  if (isObject(value.arrayValue) && Array.isArray(value.arrayValue.values))
    return value.arrayValue.values.map(plainValue);
  if (isObject(value.kvlistValue) && Array.isArray(value.kvlistValue.values))
    return attributeMap(value.kvlistValue.values);
  return null;
}

/** OTLP key-values as a null-prototype object, so keys such as `__proto__` stay plain data. */
export function attributeMap(list: readonly OtlpKeyValue[] | undefined): Record<string, PlainValue> {
  const out = Object.create(null) as Record<string, PlainValue>;
  if (!Array.isArray(list)) return out;
  for (const kv of list as readonly unknown[])
    if (isObject(kv) && typeof kv.key === 'string') out[kv.key] = plainValue(kv.value as OtlpAnyValue);
  return out;
}

/** OpenTelemetry's `service.name` for a resource that names none. */
export const UNKNOWN_SERVICE = 'unknown_service';

/** A resource's `service.name` as every reader shows it: its text (another value as JSON), `unknown_service` without one. */
export function serviceNameOf(resourceAttributes: readonly OtlpKeyValue[] | undefined): string {
  if (!Array.isArray(resourceAttributes)) return UNKNOWN_SERVICE;
  let service = UNKNOWN_SERVICE;
  for (const kv of resourceAttributes as readonly unknown[]) {
    if (!isObject(kv) || kv.key !== 'service.name') continue;
    const plain = plainValue(kv.value as OtlpAnyValue);
    service = typeof plain === 'string' ? plain : JSON.stringify(plain);
  }
  return service;
}
