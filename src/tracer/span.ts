import {
  SpanStatusCode,
  type Attributes,
  type AttributeValue,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import { AttributeMap, truncateString, type AttributeRules, type StoredAttributes } from './attributes';
import { toEpochMs } from './time';

export interface InstrumentationScope {
  readonly name: string;
  readonly version?: string;
}

export interface SpanEvent {
  readonly name: string;
  readonly timeMs: number;
  readonly attributes: AttributeMap;
}

export interface SpanLink {
  readonly context: SpanContext;
  readonly attributes: AttributeMap;
}

/** Where a span reports its end; the per-invocation recorder. */
export interface SpanSink {
  onEnd(span: RecordingSpan): void;
}

/** Where a provisional copy reports its end: nowhere, it is exported as it is made. */
const DETACHED: SpanSink = { onEnd: () => undefined };

/**
 * A sampled span that records everything the API lets user code say about it. Its name,
 * status message and event names are bounded like attribute values: one runaway string
 * must not make the span too large to export.
 */
export class RecordingSpan implements Span {
  readonly attributes: AttributeMap;
  name: string;
  readonly events: SpanEvent[] = [];
  readonly links: SpanLink[] = [];
  droppedEvents = 0;
  droppedLinks = 0;
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  endMs: number | undefined;

  constructor(
    private readonly context: SpanContext,
    name: string,
    readonly kind: SpanKind,
    readonly parentSpanId: string | undefined,
    readonly startMs: number,
    readonly scope: InstrumentationScope,
    private readonly rules: AttributeRules,
    private readonly sink: SpanSink,
    attributes?: Attributes | StoredAttributes,
    links?: Link[],
  ) {
    this.name = this.bounded(name);
    this.attributes = new AttributeMap(rules);
    this.attributes.setAll(attributes);
    if (links) this.addLinks(links);
  }

  get ended(): boolean {
    return this.endMs !== undefined;
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (!this.ended) this.attributes.set(key, value);
    return this;
  }

  setAttributes(attributes: Attributes): this {
    if (!this.ended) this.attributes.setAll(attributes);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    if (this.events.length >= this.rules.limits.eventCount) {
      this.droppedEvents++;
      return this;
    }
    let attributes: Attributes | undefined;
    if (isTimeInput(attributesOrTime)) time = attributesOrTime;
    else attributes = attributesOrTime;
    const map = new AttributeMap(this.rules);
    map.setAll(attributes);
    this.events.push({ name: this.bounded(name), timeMs: toEpochMs(time), attributes: map });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links.length >= this.rules.limits.linkCount) {
      this.droppedLinks++;
      return this;
    }
    const map = new AttributeMap(this.rules);
    map.setAll(link.attributes);
    this.links.push({ context: link.context, attributes: map });
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended) return this;
    // Per the API, OK is final and UNSET never overrides a status already set.
    if (this.status.code === SpanStatusCode.OK || status.code === SpanStatusCode.UNSET) return this;
    this.status =
      status.code === SpanStatusCode.ERROR && status.message !== undefined
        ? { code: status.code, message: this.bounded(status.message) }
        : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = this.bounded(name);
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    const endMs = toEpochMs(endTime);
    this.endMs = Math.max(endMs, this.startMs);
    this.sink.onEnd(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    this.addEvent('exception', exceptionAttributes(exception), time);
  }

  /**
   * A copy of this open span as if it ended at `endMs` with `status` and the extra
   * attributes, with the same ids; this span stays open. The timeout guard ships such
   * copies when Lambda may cut the invocation off; the span's real end, if it comes, is
   * exported later under the same ids and replaces the copy.
   */
  provisionalCopy(endMs: number, status: SpanStatus, attributes: Attributes): RecordingSpan {
    const copy = new RecordingSpan(
      this.context,
      this.name,
      this.kind,
      this.parentSpanId,
      this.startMs,
      this.scope,
      this.rules,
      DETACHED,
      this.attributes.values,
    );
    copy.attributes.dropped = this.attributes.dropped;
    copy.setAttributes(attributes);
    copy.events.push(...this.events);
    copy.links.push(...this.links);
    copy.droppedEvents = this.droppedEvents;
    copy.droppedLinks = this.droppedLinks;
    copy.setStatus(status);
    copy.endMs = Math.max(endMs, this.startMs);
    return copy;
  }

  private bounded(value: unknown): string {
    return truncateString(String(value), this.rules.limits.attributeValueLength);
  }
}

function isTimeInput(value: unknown): value is TimeInput {
  return (
    typeof value === 'number' ||
    value instanceof Date ||
    (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number')
  );
}

/** The semantic-convention attributes of an `exception` event. */
function exceptionAttributes(exception: unknown): Attributes {
  if (typeof exception === 'string') return { 'exception.message': exception };
  if (exception === null || typeof exception !== 'object') return { 'exception.message': String(exception) };
  const e = exception as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    stack?: unknown;
    constructor?: { name?: unknown };
  };
  const attributes: Attributes = {};
  const type =
    typeof e.name === 'string'
      ? e.name
      : typeof e.code === 'string' || typeof e.code === 'number'
        ? String(e.code)
        : undefined;
  if (type) attributes['exception.type'] = type;
  if (typeof e.message === 'string') attributes['exception.message'] = e.message;
  if (typeof e.stack === 'string') attributes['exception.stacktrace'] = e.stack;
  return attributes;
}
