import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { REDACTED, type Redactor } from '../redaction';
import type { SpanLimits } from './limits';

/** What bounds and cleans a span's attributes. */
export interface AttributeRules {
  readonly limits: SpanLimits;
  /** Values of sensitive keys are replaced as they are set: a secret is never held or sent. */
  readonly redactor: Redactor;
}

type Primitive = string | number | boolean;

function isPrimitive(value: unknown): value is Primitive {
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean';
}

/** A string cut to the attribute value length limit; span names and status messages get the same bound. */
export function truncateString(value: string, limit: number): string {
  return value.length > limit ? value.slice(0, limit) : value;
}

/**
 * Returns the value as it may be stored, or undefined when the API does not allow it:
 * primitives, and arrays of one primitive type (with null/undefined holes).
 */
function sanitizeValue(value: unknown, limits: SpanLimits): AttributeValue | undefined {
  if (typeof value === 'string') return truncateString(value, limits.attributeValueLength);
  if (isPrimitive(value)) return value;
  if (!Array.isArray(value)) return undefined;
  let type: string | undefined;
  const out: Array<Primitive | null | undefined> = [];
  for (const item of value) {
    if (item === null || item === undefined) {
      out.push(item);
      continue;
    }
    if (!isPrimitive(item)) return undefined;
    const t = typeof item;
    if (type === undefined) type = t;
    else if (type !== t) return undefined;
    out.push(typeof item === 'string' ? truncateString(item, limits.attributeValueLength) : item);
  }
  return out as AttributeValue;
}

/**
 * A bounded attribute map. Keys live in a null-prototype object, so keys such as
 * `__proto__` or `constructor` are stored as plain data and can never pollute prototypes.
 */
export class AttributeMap {
  readonly values: Record<string, AttributeValue> = Object.create(null) as Record<string, AttributeValue>;
  count = 0;
  dropped = 0;

  constructor(private readonly rules: AttributeRules) {}

  set(key: string, value: unknown): void {
    if (typeof key !== 'string' || key === '') return;
    const clean = this.rules.redactor.isSensitive(key) ? REDACTED : sanitizeValue(value, this.rules.limits);
    if (clean === undefined) return;
    const exists = Object.prototype.hasOwnProperty.call(this.values, key);
    if (!exists && this.count >= this.rules.limits.attributeCount) {
      this.dropped++;
      return;
    }
    if (!exists) this.count++;
    this.values[key] = clean;
  }

  setAll(attributes: Attributes | undefined): void {
    if (!attributes) return;
    for (const key of Object.keys(attributes)) this.set(key, attributes[key]);
  }
}
