import { isObject } from '../../src/guards';
import { cleanKeyValues, type AttributeRules, type CleanStats } from './attributes';
import { exportCountsOf, type ExportCounts } from './export-counts';
import { HttpError } from './http-error';
import { readExportRequest, WireError } from '../../src/otlp/protobuf-decode';
import type { OtlpBody } from './request';
import {
  checkJsonItems,
  DEFAULT_REQUEST_LIMITS,
  RequestLimitError,
  WorkBudget,
  type RequestLimits,
} from './request-limits';
import type { OtlpEntity, OtlpEvent, OtlpLink, OtlpSpan, ResourceGroup, ScopeGroup } from '../../src/otlp/types';

export interface DecodedRequest {
  groups: ResourceGroup[];
  rejected: number;
  /** The first rejection reasons, for the partial-success message. */
  reasons: string[];
  stats: CleanStats;
  /** Per resource, what its sender says it sent (spans later rejected included). */
  exports: ExportCounts[];
}

const MAX_EVENTS = 128;
const MAX_LINKS = 128;
const MAX_NAME_LENGTH = 1024;
const MAX_REASONS = 5;
const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

/** A span the ingest rejects alone (the request's other spans go through). */
export class InvalidSpanError extends Error {
  override readonly name = 'InvalidSpanError';
}

/**
 * A trace or span id of `digits` hex digits, not all zero, lowercased. Checked digit by digit,
 * not by regular expressions: this runs three times a span.
 */
function id(value: unknown, digits: number, field: string): string {
  if (typeof value === 'string' && value.length === digits) {
    let nonZero = false;
    let upper = false;
    let i = 0;
    for (; i < digits; i++) {
      const c = value.charCodeAt(i);
      if (c === 48) continue;
      if ((c > 48 && c <= 57) || (c >= 97 && c <= 102)) nonZero = true;
      else if (c >= 65 && c <= 70) nonZero = upper = true;
      else break;
    }
    if (i === digits && nonZero) return upper ? value.toLowerCase() : value;
  }
  throw new InvalidSpanError(`${field} must be ${digits} hex digits, not all zero`);
}

/** Nanoseconds as a decimal string without leading zeros; the digits are checked by hand, as ids are. */
function nanos(value: unknown, field: string): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= 20) {
    let zeros = 0;
    let i = 0;
    for (; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 48 || c > 57) break;
      if (c === 48 && zeros === i) zeros++;
    }
    if (i === value.length) return zeros === 0 ? value : value.slice(Math.min(zeros, value.length - 1));
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  throw new InvalidSpanError(`${field} must be a non-negative integer of nanoseconds`);
}

/** `a < b` for decimal strings without leading zeros (as `nanos` returns them), without BigInt. */
const before = (a: string, b: string): boolean => a.length < b.length || (a.length === b.length && a < b);

function enumValue(value: unknown, names: Record<string, number>, max: number, field: string): number {
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max) return value;
  if (typeof value === 'string' && value in names) return names[value]!;
  throw new InvalidSpanError(`${field} ${JSON.stringify(value)} is not valid`);
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

function decodeSpan(raw: unknown, rules: AttributeRules, stats: CleanStats): OtlpSpan {
  if (!isObject(raw)) throw new InvalidSpanError('a span must be an object');
  const traceId = id(raw.traceId, 32, 'traceId');
  const spanId = id(raw.spanId, 16, 'spanId');
  const parentSpanId =
    raw.parentSpanId === undefined || raw.parentSpanId === '' ? undefined : id(raw.parentSpanId, 16, 'parentSpanId');
  if (typeof raw.name !== 'string') throw new InvalidSpanError('name must be a string');
  const start = nanos(raw.startTimeUnixNano, 'startTimeUnixNano');
  const end = nanos(raw.endTimeUnixNano, 'endTimeUnixNano');
  if (before(end, start)) throw new InvalidSpanError('endTimeUnixNano is before startTimeUnixNano');
  const attributes = cleanKeyValues(raw.attributes, rules, stats);
  const events: OtlpEvent[] = [];
  const rawEvents = Array.isArray(raw.events) ? raw.events : [];
  for (let i = 0; i < rawEvents.length && i < MAX_EVENTS; i++) {
    const e: unknown = rawEvents[i];
    if (!isObject(e)) continue;
    const eventAttributes = cleanKeyValues(e.attributes, rules, stats);
    events.push({
      timeUnixNano: nanos(e.timeUnixNano, 'event timeUnixNano'),
      name: typeof e.name === 'string' ? rules.redactor.scrub(e.name.slice(0, MAX_NAME_LENGTH)) : '',
      attributes: eventAttributes.kept,
      droppedAttributesCount: count(e.droppedAttributesCount) + eventAttributes.dropped,
    });
  }
  const links: OtlpLink[] = [];
  const rawLinks = Array.isArray(raw.links) ? raw.links : [];
  let badLinks = 0;
  for (let i = 0; i < rawLinks.length && i < MAX_LINKS; i++) {
    const l: unknown = rawLinks[i];
    try {
      if (!isObject(l)) throw new InvalidSpanError('link');
      const linkAttributes = cleanKeyValues(l.attributes, rules, stats);
      const link = { traceId: id(l.traceId, 32, 'link traceId'), spanId: id(l.spanId, 16, 'link spanId') } as OtlpLink;
      if (typeof l.traceState === 'string' && l.traceState !== '') link.traceState = l.traceState.slice(0, 512);
      link.attributes = linkAttributes.kept;
      link.droppedAttributesCount = count(l.droppedAttributesCount) + linkAttributes.dropped;
      links.push(link);
    } catch {
      badLinks++;
    }
  }
  const rawStatus = isObject(raw.status) ? raw.status : {};
  // Built field by field in the order of OTLP's JSON (the stream record's bytes follow it),
  // the optional ones only when present, rather than spreading `{}` for an absent one: in the
  // profile, building the span that way cost a third of its validation.
  const span = { traceId, spanId } as OtlpSpan;
  if (parentSpanId !== undefined) span.parentSpanId = parentSpanId;
  if (typeof raw.traceState === 'string' && raw.traceState !== '') span.traceState = raw.traceState.slice(0, 512);
  span.name = rules.redactor.scrub(raw.name.slice(0, MAX_NAME_LENGTH));
  span.kind = enumValue(raw.kind, SPAN_KINDS, 5, 'kind');
  span.startTimeUnixNano = start;
  span.endTimeUnixNano = end;
  span.attributes = attributes.kept;
  span.droppedAttributesCount = count(raw.droppedAttributesCount) + attributes.dropped;
  span.events = events;
  span.droppedEventsCount = count(raw.droppedEventsCount) + Math.max(0, rawEvents.length - MAX_EVENTS);
  span.links = links;
  span.droppedLinksCount = count(raw.droppedLinksCount) + Math.max(0, rawLinks.length - MAX_LINKS) + badLinks;
  const status: OtlpSpan['status'] = { code: enumValue(rawStatus.code, STATUS_CODES, 2, 'status code') };
  if (typeof rawStatus.message === 'string' && rawStatus.message !== '')
    status.message = rules.redactor.scrub(rawStatus.message.slice(0, rules.maxValueLength));
  span.status = status;
  return span;
}

function entity(raw: unknown, rules: AttributeRules, stats: CleanStats): OtlpEntity {
  if (!isObject(raw)) return {};
  const out: OtlpEntity = {};
  if (typeof raw.name === 'string') out.name = raw.name.slice(0, MAX_NAME_LENGTH);
  if (typeof raw.version === 'string') out.version = raw.version.slice(0, MAX_NAME_LENGTH);
  const attributes = cleanKeyValues(raw.attributes, rules, stats);
  if (attributes.kept.length > 0) out.attributes = attributes.kept;
  const dropped = count(raw.droppedAttributesCount) + attributes.dropped;
  if (dropped > 0) out.droppedAttributesCount = dropped;
  return out;
}

const schemaUrl = (raw: Record<string, unknown>): { schemaUrl?: string } =>
  typeof raw.schemaUrl === 'string' && raw.schemaUrl ? { schemaUrl: raw.schemaUrl.slice(0, 1024) } : {};

const tooLarge = (error: RequestLimitError): HttpError =>
  new HttpError(
    413,
    `${error.message}, the most one request may carry; send smaller batches (the Collector: send_batch_max_size)`,
    {},
    { cause: error },
  );

/** The body as the object JSON parses to, refused (413) before it is built when it holds too much. */
function parse(body: OtlpBody, limits: RequestLimits): unknown {
  try {
    if (body.format === 'protobuf') return readExportRequest(body.bytes, new WorkBudget(limits));
    checkJsonItems(body.text, limits.maxItems);
  } catch (error) {
    if (error instanceof RequestLimitError) throw tooLarge(error);
    if (error instanceof WireError) {
      throw new HttpError(
        400,
        `the body is not a protobuf ExportTraceServiceRequest: ${error.message}`,
        {},
        { cause: error },
      );
    }
    throw error;
  }
  try {
    return JSON.parse(body.text);
  } catch (error) {
    throw new HttpError(400, `the body is not valid JSON: ${(error as Error).message}`, {}, { cause: error });
  }
}

/**
 * Counts the spans and distinct trace ids before any span is validated, so that a request
 * over a limit costs its parsing only. Shapes are checked later, where errors name the place.
 */
function checkCounts(resourceSpans: unknown[], limits: RequestLimits): void {
  let spans = 0;
  const traces = new Set<string>();
  for (const rs of resourceSpans) {
    if (!isObject(rs) || !Array.isArray(rs.scopeSpans)) continue;
    for (const ss of rs.scopeSpans) {
      if (!isObject(ss) || !Array.isArray(ss.spans)) continue;
      spans += ss.spans.length;
      if (spans > limits.maxSpans)
        throw tooLarge(new RequestLimitError(`the request holds more than ${limits.maxSpans} spans`));
      for (const span of ss.spans) {
        if (!isObject(span) || typeof span.traceId !== 'string') continue;
        traces.add(span.traceId.toLowerCase());
        if (traces.size > limits.maxTraces) {
          throw new HttpError(
            413,
            `the request holds more than ${limits.maxTraces} traces, the most one request may write; send smaller batches (the Collector: send_batch_max_size)`,
          );
        }
      }
    }
  }
}

/**
 * Parses and validates an `ExportTraceServiceRequest`, JSON or protobuf: protobuf is read
 * into the shape JSON parses to, and one validation serves both. A request that is not one
 * is a 400; one that holds more than `limits` allow is a 413, answered before the work it
 * would cost; a bad span is rejected alone, with its reason, and the good ones go through.
 */
export function decodeExportRequest(
  body: OtlpBody,
  rules: AttributeRules,
  limits: RequestLimits = DEFAULT_REQUEST_LIMITS,
): DecodedRequest {
  const parsed = parse(body, limits);
  if (!isObject(parsed) || (parsed.resourceSpans !== undefined && !Array.isArray(parsed.resourceSpans))) {
    throw new HttpError(
      400,
      'the body is not an OTLP ExportTraceServiceRequest: expected an object with a "resourceSpans" array',
    );
  }
  const result: DecodedRequest = {
    groups: [],
    rejected: 0,
    reasons: [],
    stats: { truncatedValues: 0, redactedValues: 0 },
    exports: [],
  };
  const resourceSpans = (parsed.resourceSpans ?? []) as unknown[];
  checkCounts(resourceSpans, limits);
  resourceSpans.forEach((rawResource, r) => {
    if (!isObject(rawResource) || !Array.isArray(rawResource.scopeSpans)) {
      throw new HttpError(400, `resourceSpans[${r}] must be an object with a "scopeSpans" array`);
    }
    const scopes: ScopeGroup[] = [];
    let arrived = 0;
    rawResource.scopeSpans.forEach((rawScope, s) => {
      if (!isObject(rawScope) || !Array.isArray(rawScope.spans)) {
        throw new HttpError(400, `resourceSpans[${r}].scopeSpans[${s}] must be an object with a "spans" array`);
      }
      const spans: OtlpSpan[] = [];
      arrived += rawScope.spans.length;
      rawScope.spans.forEach((rawSpan, i) => {
        try {
          spans.push(decodeSpan(rawSpan, rules, result.stats));
        } catch (error) {
          if (!(error instanceof InvalidSpanError)) throw error;
          result.rejected++;
          if (result.reasons.length < MAX_REASONS)
            result.reasons.push(`resourceSpans[${r}].scopeSpans[${s}].spans[${i}]: ${error.message}`);
        }
      });
      if (spans.length > 0)
        scopes.push({ scope: entity(rawScope.scope, rules, result.stats), ...schemaUrl(rawScope), spans });
    });
    const resource = entity(rawResource.resource, rules, result.stats);
    result.exports.push(exportCountsOf(resource, arrived));
    if (scopes.length > 0) result.groups.push({ resource, ...schemaUrl(rawResource), scopes });
  });
  return result;
}
