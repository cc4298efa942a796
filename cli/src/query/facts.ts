import type { PlainValue } from '../../../src/otlp/values';
import type { TraceSpan } from '../model';
import { durationMs, kindName, statusOf, type CompactSpan } from '../read/spans';
import type { EventFacts, SpanFacts } from './evaluate';

type Lookup = (key: string) => PlainValue | undefined;

/**
 * A span being read, with lookups into its attributes and its resource's, and its events (read
 * only by a query's event fields), as the evaluator sees it.
 */
export function compactFacts(
  span: Omit<CompactSpan, 'spansets'>,
  attributes: Lookup,
  resource: Lookup,
  events: () => readonly EventFacts[],
): SpanFacts {
  return {
    name: span.name,
    service: span.service,
    status: statusOf(span),
    kind: kindName(span.kind),
    durationMs: durationMs(span),
    attribute: (scope, key) => (scope === 'span' ? attributes(key) : resource(key)),
    events,
  };
}

const own =
  (map: Record<string, PlainValue>): Lookup =>
  (key) =>
    Object.hasOwn(map, key) ? map[key] : undefined;

/** A span of a trace held in full (the report's), as the evaluator sees it. */
export function detailFacts(span: TraceSpan): SpanFacts {
  const attributes = own(span.attributes);
  const resource = own(span.resource);
  return {
    name: span.name,
    service: span.service,
    status: span.status,
    kind: span.kind,
    durationMs: span.durationMs,
    attribute: (scope, key) => (scope === 'span' ? attributes(key) : resource(key)),
    events: () => span.events.map((e) => ({ name: e.name, attribute: own(e.attributes) })),
  };
}
