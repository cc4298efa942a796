import { isObject } from '../src/guards';
import { HoptraceAttribute } from '../src/otlp/hoptrace-attributes';
import type { OtlpAnyValue, OtlpKeyValue } from '../src/otlp/types';
import { plainValue, type PlainValue } from '../src/otlp/values';

// The span table keeps every attribute as text in a string map (ClickHouse's Map(String,
// String), Athena's and DuckDB's map<string,string>). A string is itself, a number or a boolean
// its JSON text (`42`, `true`), as before. The values OpenTelemetry API 1.10 added are marked, so
// that a reader can tell them from a string that looks the same:
//   kvlist and array: the JSON text of the value (bytes inside as base64 strings, empty as null);
//   bytes: the base64 text; empty: `null`;
// and the map gets one more entry, `hoptrace.anyvalue`, a JSON object naming each such key's
// type (`{"payload":"kvlist","blob":"bytes"}`). An equality on the JSON text finds a value in
// SQL as it does in the command's in-memory read, which compares the same text.

/** Attributes as the table stores them. */
export type TextMap = Record<string, string>;

type MarkedType = 'kvlist' | 'array' | 'bytes' | 'empty';

function markedType(value: OtlpAnyValue | undefined): MarkedType | undefined {
  if (!isObject(value)) return 'empty';
  if (
    typeof value.stringValue === 'string' ||
    typeof value.boolValue === 'boolean' ||
    value.intValue !== undefined ||
    value.doubleValue !== undefined
  )
    return undefined;
  if (isObject(value.kvlistValue)) return 'kvlist';
  if (isObject(value.arrayValue)) return 'array';
  if (typeof value.bytesValue === 'string') return 'bytes';
  return 'empty';
}

const text = (value: PlainValue): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** OTLP key-values as the table's text map, marked where a value is no string, number or boolean. */
export function attributeText(list: readonly OtlpKeyValue[] | undefined): TextMap {
  const out = Object.create(null) as TextMap;
  if (!Array.isArray(list)) return out;
  const types = Object.create(null) as Record<string, MarkedType>;
  let marked = false;
  for (const kv of list as readonly unknown[]) {
    if (!isObject(kv) || typeof kv.key !== 'string') continue;
    const value = kv.value as OtlpAnyValue | undefined;
    out[kv.key] = text(plainValue(value));
    const type = markedType(value);
    if (type) {
      types[kv.key] = type;
      marked = true;
    } else delete types[kv.key];
  }
  if (marked) out[HoptraceAttribute.AnyValueTypes] = JSON.stringify(types);
  return out;
}

function markedTypes(map: TextMap): Record<string, unknown> {
  if (!Object.hasOwn(map, HoptraceAttribute.AnyValueTypes)) return {};
  try {
    const types: unknown = JSON.parse(map[HoptraceAttribute.AnyValueTypes]!);
    return isObject(types) ? types : {};
  } catch {
    // A row cut to fit (hoptrace.truncated) may have cut the marker: its keys read as text.
    return {};
  }
}

/**
 * A stored text map back as plain values, as the stream's readers see them: a marked kvlist or
 * array parsed from its JSON text (left as text when a row cut to fit cut it too), empty as null,
 * bytes as their base64 text (as `plainValue` gives them); the marker itself left out.
 */
export function plainAttributes(map: TextMap | null | undefined): Record<string, PlainValue> {
  const out = Object.create(null) as Record<string, PlainValue>;
  if (!isObject(map)) return out;
  const types = markedTypes(map);
  for (const key of Object.keys(map)) {
    if (key === HoptraceAttribute.AnyValueTypes) continue;
    const stored = map[key]!;
    const type = Object.hasOwn(types, key) ? types[key] : undefined;
    if (type === 'empty') out[key] = null;
    else if (type === 'kvlist' || type === 'array') out[key] = parsed(stored);
    else out[key] = stored;
  }
  return out;
}

function parsed(stored: string): PlainValue {
  try {
    return JSON.parse(stored) as PlainValue;
  } catch {
    return stored;
  }
}
