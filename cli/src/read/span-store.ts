import { isObject } from '../../../src/guards';
import {
  OtlpStatusCode,
  type OtlpAnyValue,
  type OtlpExportRequest,
  type OtlpKeyValue,
  type OtlpSpan,
} from '../../../src/otlp/types';
import { HoptraceAttribute } from '../../../src/otlp/hoptrace-attributes';
import { micros } from '../../../src/otlp/micros';
import { attributeMap, plainValue, serviceNameOf, type PlainValue } from '../../../src/otlp/values';
import { dependencyNode, dependencyOf, type Dependency } from '../analysis/dependency';
import { failureOf, type Failure } from '../analysis/failure';
import { facetOf } from '../analysis/lift';
import { attributeText, spansetBits, type CompiledQuery, type EventFacts } from '../query/evaluate';
import { compactFacts } from '../query/facts';
import { Flag, isCaller, type CompactSpan, type SpanDetail } from './spans';

/**
 * Whether `text` is an id of `digits` hex digits, not all zeros (invalid in W3C Trace Context
 * and OTLP: no trace or span has that id). A loop, not a regular expression: it runs three
 * times a span read.
 */
function isId(text: unknown, digits: number): text is string {
  if (typeof text !== 'string' || text.length !== digits) return false;
  let zeros = true;
  for (let i = 0; i < digits; i++) {
    const c = text.charCodeAt(i);
    if (c === 48) continue;
    zeros = false;
    // 1-9, A-F, a-f
    if (!((c >= 49 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
  }
  return !zeros;
}

export interface StoreOptions {
  /** Each span's spanset bits are evaluated as it is read, while its attributes are at hand. */
  query?: CompiledQuery;
  /** Traces whose spans are kept in full (attributes, events, links), for `trace` and `view`. */
  detail?: (traceId: string) => boolean;
  /** `--by <attribute>`: each trace's values of it (a span's attribute, else its resource's), as text. */
  by?: string;
  /** Each trace's `key=value` of every span's attributes and resource (`compare --by`). */
  facets?: boolean;
}

/** What a read saw, for the one line that reports it. */
export interface ReadCounts {
  records: number;
  spans: number;
  duplicates: number;
  skippedRecords: number;
  skippedSpans: number;
  firstReason?: string;
  /** Where the first refused record or span came from (a file, its line, a stream record). */
  firstOrigin?: string;
}

/** The value of `key` in OTLP key-values, undefined when absent. */
function valueIn(list: readonly OtlpKeyValue[] | undefined, key: string): PlainValue | undefined {
  if (!Array.isArray(list)) return undefined;
  for (const kv of list) if (isObject(kv) && kv.key === key) return plainValue(kv.value as OtlpAnyValue);
  return undefined;
}

/** A span's events as the evaluator reads them (only for a query with an event field). */
function eventFacts(span: OtlpSpan): EventFacts[] {
  return (Array.isArray(span.events) ? span.events : []).filter(isObject).map((e) => ({
    name: typeof e.name === 'string' ? e.name : '',
    attribute: (key: string) => valueIn(e.attributes, key),
  }));
}

function addTo(sets: Map<string, Set<string>>, traceId: string, value: string): void {
  let set = sets.get(traceId);
  if (!set) sets.set(traceId, (set = new Set()));
  set.add(value);
}

/**
 * Spans grouped by trace, de-duplicated by (traceId, spanId): delivery into the stream is at
 * least once. Each span is reduced to a `CompactSpan` as it is read; names and services are
 * interned, so a million spans share a few hundred strings.
 */
export class SpanStore {
  readonly traces = new Map<string, Map<string, CompactSpan>>();
  readonly details = new Map<string, Map<string, SpanDetail>>();
  /** With `by`: the attribute's values per trace (traces without it are absent). */
  readonly values = new Map<string, Set<string>>();
  /** With `facets`: every `key=value` per trace. */
  readonly facets = new Map<string, Set<string>>();
  readonly counts: ReadCounts = { records: 0, spans: 0, duplicates: 0, skippedRecords: 0, skippedSpans: 0 };
  private readonly strings = new Map<string, string>();
  private readonly dependencies = new Map<string, Dependency>();

  constructor(private readonly options: StoreOptions = {}) {}

  private intern(text: string): string {
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    this.strings.set(text, text);
    return text;
  }

  private origin: string | undefined;

  private firstProblem(reason: string, origin: string | undefined): void {
    if (this.counts.firstReason !== undefined) return;
    this.counts.firstReason = reason;
    if (origin !== undefined) this.counts.firstOrigin = origin;
  }

  /** A record or line that could not be read: counted, its reason and origin kept if it is the first. */
  skipRecord(reason: string, origin?: string): void {
    this.counts.skippedRecords++;
    this.firstProblem(reason, origin);
  }

  private skipSpan(reason: string): void {
    this.counts.skippedSpans++;
    this.firstProblem(reason, this.origin);
  }

  add(request: OtlpExportRequest, origin?: string): void {
    this.origin = origin;
    this.counts.records++;
    for (const group of request.resourceSpans) {
      if (!isObject(group) || !Array.isArray(group.scopeSpans)) {
        this.skipSpan('a resourceSpans entry without scopeSpans');
        continue;
      }
      const resource =
        isObject(group.resource) && Array.isArray(group.resource.attributes) ? group.resource.attributes : [];
      const service = this.intern(serviceNameOf(resource));
      for (const scope of group.scopeSpans) {
        if (!isObject(scope) || !Array.isArray(scope.spans)) {
          this.skipSpan('a scopeSpans entry without spans');
          continue;
        }
        for (const span of scope.spans) this.addSpan(span, service, resource);
      }
    }
  }

  private addSpan(span: OtlpSpan, service: string, resource: readonly OtlpKeyValue[]): void {
    if (!isObject(span) || !isId(span.traceId, 32) || !isId(span.spanId, 16)) {
      this.skipSpan('a span without a valid traceId and spanId (hex, 32 and 16 digits, not all zeros)');
      return;
    }
    const startUs = micros(span.startTimeUnixNano);
    const endUs = micros(span.endTimeUnixNano);
    if (Number.isNaN(startUs) || Number.isNaN(endUs)) {
      this.skipSpan(`span ${span.spanId}: start or end time is not nanoseconds`);
      return;
    }
    const traceId = span.traceId.toLowerCase();
    const spanId = span.spanId.toLowerCase();
    let trace = this.traces.get(traceId);
    if (!trace) this.traces.set(traceId, (trace = new Map()));
    let flags =
      span.status?.code === OtlpStatusCode.Error ? Flag.Error : span.status?.code === OtlpStatusCode.Ok ? Flag.Ok : 0;
    if (Array.isArray(span.attributes)) {
      for (const kv of span.attributes) {
        if (!isObject(kv)) continue;
        if (kv.key === 'faas.coldstart') flags |= Flag.Invocation | (kv.value?.boolValue === true ? Flag.Cold : 0);
        else if (kv.key === HoptraceAttribute.InitType) flags |= Flag.Init;
        else if (kv.key === HoptraceAttribute.Provisional && kv.value?.boolValue === true) flags |= Flag.Provisional;
      }
    }
    const kept = trace.get(spanId);
    // A duplicate, unless it is the real end of a span whose provisional copy came first.
    if (kept && (flags & Flag.Provisional || !(kept.flags & Flag.Provisional))) {
      this.counts.duplicates++;
      return;
    }
    if (kept) this.counts.duplicates++;
    else this.counts.spans++;
    const parent = isId(span.parentSpanId, 16) ? span.parentSpanId.toLowerCase() : undefined;
    const links =
      Array.isArray(span.links) && span.links.length > 0
        ? span.links
            .filter((l) => isObject(l) && typeof l.traceId === 'string' && typeof l.spanId === 'string')
            .map((l) => `${l.traceId.toLowerCase()}/${l.spanId.toLowerCase()}`)
        : undefined;
    const compact: CompactSpan = {
      spanId,
      parentSpanId: parent,
      service,
      name: this.intern(typeof span.name === 'string' ? span.name : ''),
      kind: typeof span.kind === 'number' ? span.kind : 0,
      startUs,
      endUs: Math.max(endUs, startUs),
      flags,
      dependency: isCaller(span.kind) ? this.dependency(span.attributes) : undefined,
      failure: flags & Flag.Error ? this.failure(span) : undefined,
      links: links && links.length > 0 ? links : undefined,
      spansets: 0,
    };
    const query = this.options.query;
    if (query)
      compact.spansets = spansetBits(
        query,
        compactFacts(
          compact,
          (key) => valueIn(span.attributes, key),
          (key) => valueIn(resource, key),
          () => eventFacts(span),
        ),
      );
    trace.set(spanId, compact);
    if (this.options.detail?.(traceId)) this.keepDetail(traceId, spanId, span, resource);
    const { by } = this.options;
    if (by !== undefined) {
      const value = valueIn(span.attributes, by) ?? valueIn(resource, by);
      if (value !== undefined) addTo(this.values, traceId, this.intern(attributeText(value)));
    }
    if (this.options.facets) {
      for (const list of [span.attributes, resource]) {
        if (!Array.isArray(list)) continue;
        for (const kv of list)
          if (isObject(kv) && typeof kv.key === 'string')
            addTo(this.facets, traceId, this.intern(facetOf(kv.key, plainValue(kv.value as OtlpAnyValue))));
      }
    }
  }

  /** What a caller span calls, one object per dependency however many spans call it. */
  private dependency(attributes: readonly OtlpKeyValue[] | undefined): Dependency | undefined {
    const found = dependencyOf((key) => valueIn(attributes, key));
    if (found === undefined) return undefined;
    const node = dependencyNode(found);
    const known = this.dependencies.get(node);
    if (known !== undefined) return known;
    this.dependencies.set(node, found);
    return found;
  }

  private failure(span: OtlpSpan): Failure {
    const message = typeof span.status?.message === 'string' ? span.status.message : undefined;
    return failureOf(message, (key) => valueIn(span.attributes, key), eventFacts(span));
  }

  private keepDetail(traceId: string, spanId: string, span: OtlpSpan, resource: readonly OtlpKeyValue[]): void {
    let spans = this.details.get(traceId);
    if (!spans) this.details.set(traceId, (spans = new Map()));
    const message = span.status?.message;
    spans.set(spanId, {
      ...(typeof message === 'string' && message !== '' ? { statusMessage: message } : {}),
      attributes: attributeMap(span.attributes),
      resource: attributeMap(resource),
      events: (Array.isArray(span.events) ? span.events : []).filter(isObject).map((e) => ({
        timeMs: micros(e.timeUnixNano) / 1000,
        name: typeof e.name === 'string' ? e.name : '',
        attributes: attributeMap(e.attributes),
      })),
      links: (Array.isArray(span.links) ? span.links : []).filter(isObject).map((l) => ({
        traceId: String(l.traceId).toLowerCase(),
        spanId: String(l.spanId).toLowerCase(),
        attributes: attributeMap(l.attributes),
      })),
    });
  }
}
