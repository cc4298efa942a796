import { isObject } from '../guards';
import type { Carrier } from '../propagation/carrier';

/** Where hoptrace's producer puts the context in an EventBridge event's `detail`. */
export const EVENTBRIDGE_CONTEXT_KEY = '_hoptrace';

const JSON_WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/** Whether a `Detail` can take the context: a JSON object without the key already. */
export function detailShape(detail: string): 'object' | 'not_object' | 'has_key' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return 'not_object';
  }
  if (!isObject(parsed)) return 'not_object';
  return Object.hasOwn(parsed, EVENTBRIDGE_CONTEXT_KEY) ? 'has_key' : 'object';
}

/**
 * A JSON object `detail` with `"_hoptrace":{...}` added as the last member of its top-level
 * object, every other character as the user wrote it: parsing and re-serializing would
 * change big integers, `1.10` and duplicate keys. `detailShape` must have said `object`.
 */
export function detailWithContext(detail: string, context: Carrier): string {
  // Valid JSON whose value is an object ends with its closing brace, then whitespace only.
  const close = detail.lastIndexOf('}');
  let before = close - 1;
  while (before >= 0 && JSON_WHITESPACE.has(detail[before]!)) before--;
  const separator = detail[before] === '{' ? '' : ',';
  return `${detail.slice(0, close)}${separator}${JSON.stringify(EVENTBRIDGE_CONTEXT_KEY)}:${JSON.stringify(context)}${detail.slice(close)}`;
}
