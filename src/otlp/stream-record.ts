import { gunzipSync, gzipSync } from 'node:zlib';
import { isObject } from '../guards';
import { HoptraceAttribute } from './hoptrace-attributes';
import type { OtlpEntity, OtlpExportRequest, OtlpKeyValue } from './types';

// The stream record (docs/pipeline/stream-record.md): the spans of one trace as one OTLP
// JSON `ExportTraceServiceRequest`, gzipped, at most 1 MiB. Its writer and its reader side by
// side, with one set of limits and one error, for every component that touches the stream:
// the ingest writes records, the archive writes them back split, and the archive, the tail
// sampler and the command read them. The library never imports this module, so its Lambda
// bundle carries neither zlib's wrappers nor any reader.
//
// The partition key is the trace id (`traceIdOfKey`); the tail sampler sets spans aside in the
// same form; the names stamped on a record's resource are in `hoptrace-attributes.ts`.

/** Kinesis's limit on one record: data plus partition key. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * How far one record may inflate. The ingest writes at most the JSON of one request it
 * accepted (5 MiB of body, counted messages: far below this); more is a gzip bomb, refused
 * before it is all in memory.
 */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

const NANOS = /^\d{1,20}$/;
const TRACE_ID_KEY = /^[0-9a-f]{32}$/;

/**
 * Stamps when the ingest received these spans on their resource (`hoptrace.received_time_unix_nano`),
 * replacing whatever a sender put there under that key.
 */
export function stampReceived(resource: OtlpEntity, receivedMs: number): void {
  const attributes = (resource.attributes ?? []).filter((kv) => kv.key !== HoptraceAttribute.ReceivedTime);
  attributes.push({ key: HoptraceAttribute.ReceivedTime, value: { intValue: `${Math.floor(receivedMs)}000000` } });
  resource.attributes = attributes;
}

/**
 * When the ingest received the spans of this resource, ms since the epoch; undefined for a
 * record written before the ingest stamped it, or a stamp that is not a time.
 */
export function receivedMsOf(resource: OtlpEntity | undefined): number | undefined {
  const attributes = resource?.attributes;
  if (!Array.isArray(attributes)) return undefined;
  for (const kv of attributes as unknown[]) {
    if (!isObject(kv) || kv.key !== HoptraceAttribute.ReceivedTime || !isObject(kv.value)) continue;
    const raw = kv.value.intValue;
    if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw / 1e6;
    // Whole ms from the digits, the rest as a fraction: a double holds ns since 1970 only to ~256 ns.
    if (typeof raw === 'string' && NANOS.test(raw))
      return Number(raw.slice(0, -6) || '0') + Number(raw.slice(-6)) / 1e6;
  }
  return undefined;
}

// Records are small (a trace, a few KB): level 3 gzips them in ~58% of the default level's
// time for 15.0% instead of 14.2% of the raw size (measured on 10-span traces).
const GZIP_LEVEL = 3;

/** Content that is not a stream record (nor, for the command, an OTLP JSON request): the reader skips it and says why. */
export class StreamRecordError extends Error {
  override readonly name = 'StreamRecordError';
}

/**
 * The trace id a record's partition key names: the ingest keys each record by its trace's id
 * (32 lowercase hex digits), so that a trace's records land on one shard.
 */
export function traceIdOfKey(partitionKey: string): string {
  if (TRACE_ID_KEY.test(partitionKey)) return partitionKey;
  throw new StreamRecordError(`partition key "${partitionKey.slice(0, 64)}" is not a trace id`);
}

/** Stream records, and OTLP JSON files written gzipped, start with gzip's magic bytes. */
export function isGzip(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/** A request as a stream record's data. Its size is the caller's to check against `MAX_RECORD_BYTES`. */
export function encodeStreamRecord(request: OtlpExportRequest): Buffer {
  return encodeStreamRecordJson(JSON.stringify(request));
}

/** A request's JSON, as `JSON.stringify` writes it, as a stream record's data (for a writer that assembles the JSON from parts it wrote once). */
export function encodeStreamRecordJson(json: string): Buffer {
  return gzipSync(json, { level: GZIP_LEVEL });
}

/** A record's gzip inflated, refused past `MAX_INFLATED_BYTES`. */
export function inflateStreamRecord(data: Buffer): Buffer {
  if (!isGzip(data)) throw new StreamRecordError('not gzip (a stream record starts with 1f 8b)');
  try {
    return gunzipSync(data, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new StreamRecordError(
        `gzip that inflates past ${MAX_INFLATED_BYTES} bytes, far more than a stream record holds`,
        { cause: error },
      );
    }
    throw new StreamRecordError(`gzip that does not decompress (truncated or corrupt): ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function withoutTenant(list: unknown): void {
  if (!Array.isArray(list)) return;
  // Most lists hold no tenant: they are left as they are, not copied.
  for (let i = list.length - 1; i >= 0; i--)
    if (isObject(list[i]) && (list[i] as OtlpKeyValue).key === HoptraceAttribute.Tenant) list.splice(i, 1);
}

/**
 * Removes the tenant attribute from every level below the resource (scope, span, event and
 * link attributes), so that no reader can take the tenant from anywhere but the resource.
 * Tolerates any shape: readers check spans one by one after this.
 */
export function keepTenantOnResource(scopes: ReadonlyArray<{ scope?: OtlpEntity; spans: unknown[] }>): void {
  for (const scope of scopes) {
    if (!isObject(scope)) continue;
    if (isObject(scope.scope)) withoutTenant(scope.scope.attributes);
    if (!Array.isArray(scope.spans)) continue;
    for (const span of scope.spans) {
      if (!isObject(span)) continue;
      withoutTenant(span.attributes);
      for (const list of [span.events, span.links])
        if (Array.isArray(list)) for (const item of list) if (isObject(item)) withoutTenant(item.attributes);
    }
  }
}

/** `value` as a list: OTLP JSON leaves an empty repeated field out. */
function list(owner: Record<string, unknown>, field: string, what: string): unknown[] {
  const value = owner[field];
  if (value === undefined) return (owner[field] = []);
  if (!Array.isArray(value)) throw new StreamRecordError(`${what} is not an array`);
  return value;
}

/**
 * One OTLP JSON `ExportTraceServiceRequest`: resource spans and scope spans are objects, and
 * their lists arrays (left out: empty); the spans are each reader's to check one by one. The
 * tenant is left on the resource only.
 */
export function parseExportRequest(json: string): OtlpExportRequest {
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch (error) {
    throw new StreamRecordError(`not JSON (${(error as Error).message})`, { cause: error });
  }
  if (!isObject(body) || !Array.isArray(body.resourceSpans))
    throw new StreamRecordError('JSON that is not an OTLP ExportTraceServiceRequest (no resourceSpans array)');
  for (const rs of body.resourceSpans as unknown[]) {
    if (!isObject(rs)) throw new StreamRecordError('a resourceSpans entry is not an object');
    const scopes = list(rs, 'scopeSpans', 'a scopeSpans field');
    for (const ss of scopes) {
      if (!isObject(ss)) throw new StreamRecordError('a scopeSpans entry is not an object');
      list(ss, 'spans', 'a spans field');
    }
    keepTenantOnResource(scopes as Array<{ spans: unknown[] }>);
  }
  return body as unknown as OtlpExportRequest;
}

/** A stream record's data as its request, and the size of its JSON (for packing requests by size). */
export function decodeStreamRecord(data: Buffer): { request: OtlpExportRequest; jsonBytes: number } {
  const json = inflateStreamRecord(data);
  return { request: parseExportRequest(json.toString('utf8')), jsonBytes: json.length };
}
