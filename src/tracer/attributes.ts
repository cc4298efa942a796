import type { Attributes } from '@opentelemetry/api';
import { logger } from '../logger';
import { MAX_VALUE_DEPTH, MAX_VALUE_NODES } from '../otlp/value-bounds';
import { REDACTED, type Redactor } from '../redaction';
import type { SpanLimits } from './limits';

/** What bounds and cleans a span's attributes. */
export interface AttributeRules {
  readonly limits: SpanLimits;
  /** Values of sensitive keys are replaced as they are set: a secret is never held or sent. */
  readonly redactor: Redactor;
}

/**
 * An attribute value as a span holds it: what OTLP's AnyValue carries and API 1.10 lets a
 * caller set. Primitives, byte arrays, arrays of any mix of these, maps (null-prototype
 * objects) and the empty value (null).
 */
export type StoredValue =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | StoredValue[]
  | { [key: string]: StoredValue };

/** A span's attributes, keyed in a null-prototype object. */
export type StoredAttributes = Record<string, StoredValue>;

/** A string cut to the attribute value length limit; span names and status messages get the same bound. */
export function truncateString(value: string, limit: number): string {
  return value.length > limit ? value.slice(0, limit) : value;
}

/** The walk of one value failed: a type AnyValue has no place for, or past the bounds. */
const UNFIT = Symbol('unfit');

/**
 * A copy of one attribute value, bounded as the OpenTelemetry JS SDK 3 bounds it (each string
 * and byte array inside cut to the value length limit; the value counts as one attribute
 * however much it holds) and by hoptrace's nesting bounds, with the values of sensitive keys
 * inside maps replaced. A copy, so that the caller changing its object later changes nothing.
 */
class ValueCopy {
  private nodes = 0;

  constructor(private readonly rules: AttributeRules) {}

  copy(value: unknown, depth: number): StoredValue | typeof UNFIT {
    if (depth > MAX_VALUE_DEPTH || ++this.nodes > MAX_VALUE_NODES) return UNFIT;
    switch (typeof value) {
      case 'string':
        return truncateString(value, this.rules.limits.attributeValueLength);
      case 'number':
      case 'boolean':
        return value;
      case 'object':
        break;
      default:
        return UNFIT;
    }
    if (value === null) return null;
    if (value instanceof Uint8Array) return new Uint8Array(value.subarray(0, this.rules.limits.attributeValueLength));
    if (Array.isArray(value)) {
      const out: StoredValue[] = [];
      // An undefined element keeps its place, as the empty value.
      for (const item of value as unknown[]) {
        const copy = item === undefined ? null : this.copy(item, depth + 1);
        if (copy === UNFIT) return UNFIT;
        out.push(copy);
      }
      return out;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    // Only plain objects are maps: a Date, a Map or a class instance has no AnyValue form.
    if (proto !== Object.prototype && proto !== null) return UNFIT;
    const out = Object.create(null) as Record<string, StoredValue>;
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) continue;
      const copy = this.rules.redactor.isSensitive(key) ? REDACTED : this.copy(item, depth + 1);
      if (copy === UNFIT) return UNFIT;
      out[key] = copy;
    }
    return out;
  }
}

/** The value as it may be stored, or UNFIT. Primitives skip the walker: they are most values. */
function storedValue(value: unknown, rules: AttributeRules): StoredValue | typeof UNFIT {
  if (typeof value === 'string') return truncateString(value, rules.limits.attributeValueLength);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return new ValueCopy(rules).copy(value, 0);
}

/**
 * A bounded attribute map. Keys live in a null-prototype object, so keys such as
 * `__proto__` or `constructor` are stored as plain data and can never pollute prototypes.
 */
export class AttributeMap {
  readonly values: StoredAttributes = Object.create(null) as StoredAttributes;
  count = 0;
  dropped = 0;

  constructor(private readonly rules: AttributeRules) {}

  set(key: string, value: unknown): void {
    if (typeof key !== 'string' || key === '' || value === undefined) return;
    const clean = this.rules.redactor.isSensitive(key) ? REDACTED : storedValue(value, this.rules);
    if (clean === UNFIT) {
      this.dropped++;
      logger.warnOnce(
        'attribute-value',
        `attribute "${key}" dropped: its value is not an OpenTelemetry AnyValue (primitives, Uint8Array, arrays, plain objects, null), or nests deeper than ${MAX_VALUE_DEPTH} levels or holds more than ${MAX_VALUE_NODES} values.`,
      );
      return;
    }
    const exists = Object.hasOwn(this.values, key);
    if (!exists && this.count >= this.rules.limits.attributeCount) {
      this.dropped++;
      return;
    }
    if (!exists) this.count++;
    this.values[key] = clean;
  }

  setAll(attributes: Attributes | StoredAttributes | undefined): void {
    if (!attributes) return;
    for (const key of Object.keys(attributes)) this.set(key, attributes[key]);
  }
}
