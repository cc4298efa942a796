import type { Attributes } from '@opentelemetry/api';
import { HoptraceAttribute } from '../otlp/hoptrace-attributes';
import type { Redactor } from '../redaction';
import type { StoredAttributes, StoredValue } from '../tracer/attributes';
import type { InstrumentationScope, RecordingSpan } from '../tracer/span';
import { msToNanoString } from '../tracer/time';

// OTLP JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): ids as hex,
// enums as integers, 64-bit integers as decimal strings, lowerCamelCase field names.

const INT64_MIN = -(2 ** 63);
const INT64_LIMIT = 2 ** 63;
const NON_FINITE: Record<string, string> = { NaN: 'NaN', Infinity: 'Infinity', '-Infinity': '-Infinity' };

/**
 * A JS number as protobuf's JSON mapping allows it: an integer that fits int64 as a decimal
 * string (BigInt spells 2**62 in digits where String() might not), anything else as a
 * double, NaN and the infinities as the strings a strict receiver expects (JSON has no
 * literal for them, and JSON.stringify would send null).
 */
function numberValue(value: number): string {
  if (Number.isInteger(value) && value >= INT64_MIN && value < INT64_LIMIT) {
    return `{"intValue":"${Number.isSafeInteger(value) ? String(value) : BigInt(value).toString()}"}`;
  }
  return `{"doubleValue":${Number.isFinite(value) ? String(value) : `"${NON_FINITE[String(value)]!}"`}}`;
}

// Spans are written as JSON text directly, not built as objects for JSON.stringify: the
// export's encoding is most of what hoptrace itself costs per invocation. Strings from the
// application go through `quote`; ids are hex, times and counts digits.
const quote = (value: string): string => JSON.stringify(value);

// Byte arrays are base64 in OTLP JSON, as protobuf's JSON mapping writes `bytes`.
const base64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function anyValue(value: StoredValue | undefined, redactor: Redactor): string {
  if (typeof value === 'string') return `{"stringValue":${quote(redactor.scrub(value))}}`;
  if (typeof value === 'boolean') return `{"boolValue":${value}}`;
  if (typeof value === 'number') return numberValue(value);
  // null (and an array's hole) is the empty value.
  if (value === null || value === undefined) return '{}';
  if (value instanceof Uint8Array) return `{"bytesValue":"${base64(value)}"}`;
  if (Array.isArray(value)) return `{"arrayValue":{"values":[${value.map((v) => anyValue(v, redactor)).join(',')}]}}`;
  return `{"kvlistValue":{"values":${keyValues(value, redactor)}}}`;
}

function keyValues(attributes: Attributes | StoredAttributes, redactor: Redactor): string {
  let out = '';
  for (const key of Object.keys(attributes))
    out += `${out ? ',' : ''}{"key":${quote(key)},"value":${anyValue(attributes[key] as StoredValue | undefined, redactor)}}`;
  return `[${out}]`;
}

// fixed64 nanoseconds run out in the year 2554.
const MAX_TIME_MS = 2 ** 64 / 1e6;

/** A time as fixed64 nanoseconds, or `fallback` when the time is not one (NaN, negative, past 2554). */
function nanos(ms: number | undefined, fallback: string): string {
  return ms !== undefined && ms >= 0 && ms < MAX_TIME_MS ? msToNanoString(ms) : fallback;
}

export class UnencodableSpanError extends Error {
  override readonly name = 'UnencodableSpanError';
}

const traceStateField = (traceState: string | undefined): string =>
  traceState ? `,"traceState":${quote(traceState)}` : '';
// Enums come from the API's caller: anything but an integer is written as 0 (unspecified, unset).
const isInt = (value: unknown): value is number => Number.isInteger(value);

/** Secrets inside values (a token in a URL, a password in a message) are scrubbed here, on their way out. */
function encodeSpan(span: RecordingSpan, redactor: Redactor): string {
  const context = span.spanContext();
  const start = nanos(span.startMs, '');
  if (start === '') throw new UnencodableSpanError(`start time ${span.startMs} is not a time`);
  const events = span.events.map(
    (e) =>
      `{"timeUnixNano":"${nanos(e.timeMs, start)}","name":${quote(redactor.scrub(e.name))},"attributes":${keyValues(e.attributes.values, redactor)},"droppedAttributesCount":${e.attributes.dropped}}`,
  );
  const links = span.links.map(
    (l) =>
      `{"traceId":${quote(String(l.context.traceId))},"spanId":${quote(String(l.context.spanId))}${traceStateField(l.context.traceState?.serialize())},"attributes":${keyValues(l.attributes.values, redactor)},"droppedAttributesCount":${l.attributes.dropped}}`,
  );
  const code = isInt(span.status.code) ? span.status.code : 0;
  const message = span.status.message;
  const status = message ? `{"code":${code},"message":${quote(redactor.scrub(message))}}` : `{"code":${code}}`;
  return (
    `{"traceId":"${context.traceId}","spanId":"${context.spanId}"${traceStateField(context.traceState?.serialize())}` +
    `${span.parentSpanId ? `,"parentSpanId":"${span.parentSpanId}"` : ''},"name":${quote(redactor.scrub(span.name))},"kind":${isInt(span.kind) ? span.kind + 1 : 0}` +
    `,"startTimeUnixNano":"${start}","endTimeUnixNano":"${nanos(span.endMs, start)}","attributes":${keyValues(span.attributes.values, redactor)}` +
    `,"droppedAttributesCount":${span.attributes.dropped},"events":[${events.join(',')}],"droppedEventsCount":${span.droppedEvents}` +
    `,"links":[${links.join(',')}],"droppedLinksCount":${span.droppedLinks},"status":${status}}`
  );
}

export interface EncodedBatches {
  /** Complete `ExportTraceServiceRequest` bodies, each at most the byte limit. */
  bodies: Array<{ json: string; spans: number }>;
  /** Spans that alone exceed the byte limit: they cannot be sent. */
  oversized: number;
  /** Spans that cannot be written as OTLP JSON (a start time that is not a time): left out so the rest go. */
  unencodable: number;
}

interface Encoded {
  json: string;
  bytes: number;
}

// The resource and the scopes are the same for every export of a sandbox: each is encoded once.
// The resource's attributes are left open: each body adds its own stamps (its span count).
let resourceCache: { resource: Attributes; head: Encoded } | undefined;
const scopeHeaders = new WeakMap<InstrumentationScope, Encoded>();
const RESOURCE_TAIL = ']},"scopeSpans":[';
// Room for the span count's key-value: `,{"key":"hoptrace.export.spans","value":{"intValue":"<up to 20 digits>"}}`.
const COUNT_STAMP_BYTES = 80;

function resourceHead(resource: Attributes, redactor: Redactor): Encoded {
  if (resourceCache?.resource !== resource) {
    const json = `{"resourceSpans":[{"resource":{"attributes":${keyValues(resource, redactor).slice(0, -1)}`;
    resourceCache = { resource, head: { json, bytes: Buffer.byteLength(json) } };
  }
  return resourceCache.head;
}

function scopeHeader(scope: InstrumentationScope): Encoded {
  let header = scopeHeaders.get(scope);
  if (!header) {
    const json = `{"scope":${JSON.stringify(scope.version ? { name: scope.name, version: scope.version } : { name: scope.name })},"spans":[`;
    header = { json, bytes: Buffer.byteLength(json) };
    scopeHeaders.set(scope, header);
  }
  return header;
}

/**
 * Encodes spans into as few request bodies as fit `maxBytes` each. Every span is encoded
 * once; bodies are assembled from the encoded fragments, grouped by instrumentation scope.
 * Each body's resource says how many spans it holds (`hoptrace.export.spans`), and the first
 * one also carries `stamps` (the exporter's trouble since its last export), so the ingest can
 * count what was sent against what the stream stored.
 */
export function encodeBatches(
  spans: RecordingSpan[],
  resource: Attributes,
  maxBytes: number,
  redactor: Redactor,
  stamps: Attributes = {},
): EncodedBatches {
  const head = resourceHead(resource, redactor);
  const comma = head.json.endsWith('[') ? '' : ',';
  const extra = keyValues(stamps, redactor).slice(1, -1);
  const suffix = ']}]}';
  const baseBytes =
    head.bytes + COUNT_STAMP_BYTES + (extra ? extra.length + 1 : 0) + RESOURCE_TAIL.length + suffix.length;
  const bodies: EncodedBatches['bodies'] = [];
  let oversized = 0;
  let unencodable = 0;
  // Span fragments by their scope's encoded header, which is its name and version.
  let groups = new Map<string, string[]>();
  let bytes = baseBytes;
  let count = 0;

  const close = (): void => {
    if (count === 0) return;
    const scopes = [...groups].map(([header, fragments]) => `${header}${fragments.join(',')}]}`);
    const stamp = `${comma}{"key":"${HoptraceAttribute.ExportSpans}","value":{"intValue":"${count}"}}${bodies.length === 0 && extra ? `,${extra}` : ''}`;
    bodies.push({ json: `${head.json}${stamp}${RESOURCE_TAIL}${scopes.join(',')}${suffix}`, spans: count });
    groups = new Map();
    bytes = baseBytes;
    count = 0;
  };

  for (const span of spans) {
    let fragment: string;
    try {
      fragment = encodeSpan(span, redactor);
    } catch {
      unencodable++;
      continue;
    }
    const header = scopeHeader(span.scope);
    const fragmentBytes = Buffer.byteLength(fragment) + 1;
    const scopeBytes = header.bytes + 3;
    if (baseBytes + scopeBytes + fragmentBytes > maxBytes) {
      oversized++;
      continue;
    }
    const added = fragmentBytes + (groups.has(header.json) ? 0 : scopeBytes);
    if (bytes + added > maxBytes) close();
    let fragments = groups.get(header.json);
    if (!fragments) {
      fragments = [];
      groups.set(header.json, fragments);
      bytes += scopeBytes;
    }
    fragments.push(fragment);
    bytes += fragmentBytes;
    count++;
  }
  close();
  return { bodies, oversized, unencodable };
}

const BODY_HEAD = '{"resourceSpans":[';
const BODY_TAIL = ']}';

/**
 * One request body out of several that `encodeBatches` made: their resourceSpans side by side
 * (OTLP allows one resource several times). Undefined when a body is not of that shape (a
 * spool written by another version): those go alone.
 */
export function mergeBodies(jsons: readonly string[]): string | undefined {
  if (jsons.length === 1) return jsons[0];
  const inner: string[] = [];
  for (const json of jsons) {
    if (!json.startsWith(BODY_HEAD) || !json.endsWith(BODY_TAIL)) return undefined;
    inner.push(json.slice(BODY_HEAD.length, -BODY_TAIL.length));
  }
  return `${BODY_HEAD}${inner.join(',')}${BODY_TAIL}`;
}

/** How many spans a request body holds (0 when it is not one): what a refusal or an adoption counts. */
export function spansIn(json: string): number {
  try {
    const body = JSON.parse(json) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: unknown[] }> }> };
    return body.resourceSpans.reduce((n, rs) => rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, n), 0);
  } catch {
    return 0;
  }
}
