import type { AttributeValue } from '@opentelemetry/api';

/**
 * Where Powertools' X-Ray annotations land among span attributes: an annotation `key` as
 * `xray.annotation.<key>`. For queries over the spans.
 *
 * @example
 * ```typescript
 * import { ANNOTATION_PREFIX } from 'hoptrace/powertools';
 *
 * const query = `{ span.${ANNOTATION_PREFIX}successfulBooking = true }`;
 * ```
 */
export const ANNOTATION_PREFIX = 'xray.annotation.';
/**
 * Where Powertools' X-Ray metadata land among span attributes: a metadata `key` of a namespace
 * (the service name unless given) as `xray.metadata.<namespace>.<key>`.
 *
 * @example
 * ```typescript
 * import { METADATA_PREFIX } from 'hoptrace/powertools';
 *
 * const attribute = `${METADATA_PREFIX}serverlessAirline.paymentResponse`;
 * ```
 */
export const METADATA_PREFIX = 'xray.metadata.';

export function annotationKey(key: string): string {
  return `${ANNOTATION_PREFIX}${key}`;
}

export function metadataKey(namespace: string, key: string): string {
  return `${METADATA_PREFIX}${namespace}.${key}`;
}

/**
 * X-Ray metadata takes any JSON value, span attributes only primitives and their arrays: a
 * primitive stays itself, anything else becomes its JSON text (what X-Ray would have shown),
 * or its String() when it has none (a cycle, a BigInt).
 */
export function metadataValue(value: unknown): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
