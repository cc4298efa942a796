import type { PlainValue } from '../../../src/otlp/values';
import {
  spansets,
  type Condition,
  type KindName,
  type Literal,
  type Operator,
  type Query,
  type StatusName,
} from './ast';

// One evaluator for every reader: the command's sources (while spans are read) and the
// report's search box (on the spans it holds). Attribute values are compared as the span
// table stores them (text, JSON for what is not a string), so that every source, the
// archive's SQL included, gives the same answers.

/** What a condition on an event field can ask of one event of a span. */
export interface EventFacts {
  name: string;
  /** The attribute's value, undefined when the event does not have it. */
  attribute(key: string): PlainValue | undefined;
}

/** What a condition can ask of a span. */
export interface SpanFacts {
  name: string;
  status: StatusName;
  kind: KindName;
  durationMs: number;
  service: string;
  /** The attribute's value, undefined when the span (or resource) does not have it. */
  attribute(scope: 'span' | 'resource', key: string): PlainValue | undefined;
  /** The span's events: called by event fields only, so a query without one reads none. */
  events(): readonly EventFacts[];
}

/** The text an attribute value is stored as in the span table. */
export const attributeText = (value: PlainValue): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** The number an attribute holds, as the span table's `TRY_CAST(… AS DOUBLE)` reads it. */
export function attributeNumber(value: PlainValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

const regexes = new WeakMap<Literal, RegExp>();

/** A regular expression matches the whole value, as in TraceQL. */
function fullMatch(literal: Literal & { type: 'string' }, text: string): boolean {
  let re = regexes.get(literal);
  if (!re) regexes.set(literal, (re = new RegExp(`^(?:${literal.value})$`, 'su')));
  return re.test(text);
}

function ordered<T extends string | number>(op: Operator, a: T, b: T): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    default:
      return false;
  }
}

function compareText(op: Operator, text: string, literal: Literal): boolean {
  if (literal.type !== 'string') return false;
  if (op === '=~') return fullMatch(literal, text);
  if (op === '!~') return !fullMatch(literal, text);
  return ordered(op, text, literal.value);
}

function compareAttribute(op: Operator, value: PlainValue, literal: Literal): boolean {
  switch (literal.type) {
    case 'string':
      return compareText(op, attributeText(value), literal);
    case 'number': {
      const n = attributeNumber(value);
      return n !== undefined && ordered(op, n, literal.value);
    }
    case 'boolean': {
      const text = attributeText(value);
      return op === '=' ? text === String(literal.value) : text === String(!literal.value);
    }
    default:
      return false;
  }
}

export function holds(condition: Condition, span: SpanFacts): boolean {
  switch (condition.type) {
    case 'true':
      return true;
    case 'and':
      return holds(condition.left, span) && holds(condition.right, span);
    case 'or':
      return holds(condition.left, span) || holds(condition.right, span);
    case 'compare':
      break;
  }
  const { field, op, value } = condition;
  switch (field.type) {
    case 'name':
      return compareText(op, span.name, value);
    case 'service':
      return compareText(op, span.service, value);
    case 'status':
      return op === '=' ? span.status === value.value : span.status !== value.value;
    case 'kind':
      return op === '=' ? span.kind === value.value : span.kind !== value.value;
    case 'duration':
      return ordered(op, span.durationMs, value.value as number);
    case 'attribute': {
      const found =
        field.scope === 'any'
          ? (span.attribute('span', field.key) ?? span.attribute('resource', field.key))
          : span.attribute(field.scope, field.key);
      return found !== undefined && compareAttribute(op, found, value);
    }
    // One of the span's events satisfies the comparison (each comparison its own event, as in TraceQL).
    case 'eventName':
      return span.events().some((event) => compareText(op, event.name, value));
    case 'eventAttribute':
      return span.events().some((event) => {
        const found = event.attribute(field.key);
        return found !== undefined && compareAttribute(op, found, value);
      });
  }
}

/** A query ready to run: its spansets in index order. */
export interface CompiledQuery {
  query: Query;
  spansets: Condition[];
}

export const compile = (query: Query): CompiledQuery => ({ query, spansets: spansets(query) });

/** Bit i set when the span satisfies spanset i. */
export function spansetBits(compiled: CompiledQuery, span: SpanFacts): number {
  let bits = 0;
  compiled.spansets.forEach((condition, i) => {
    if (holds(condition, span)) bits |= 1 << i;
  });
  return bits;
}

/** Whether a trace matches, from the spanset bits of all its spans ORed together. */
export function traceMatches(query: Query, bits: number): boolean {
  switch (query.type) {
    case 'spanset':
      return (bits & (1 << query.index)) !== 0;
    case 'and':
      return traceMatches(query.left, bits) && traceMatches(query.right, bits);
    case 'or':
      return traceMatches(query.left, bits) || traceMatches(query.right, bits);
  }
}
