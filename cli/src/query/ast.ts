// The span query language: a subset of TraceQL (docs/read-side/command.md, "Span queries"). One parse
// gives this tree; the command, the archive's SQL and the report's search box all read it.

export type Operator = '=' | '!=' | '>' | '>=' | '<' | '<=' | '=~' | '!~';

export const STATUSES = ['ok', 'error', 'unset'] as const;
export const KINDS = ['server', 'client', 'producer', 'consumer', 'internal', 'unspecified'] as const;
export type StatusName = (typeof STATUSES)[number];
export type KindName = (typeof KINDS)[number];

/**
 * What a condition reads of a span. `scope: 'any'` is `.attr`: the span's attribute, else its
 * resource's. The event fields (`event:name`, `event.<attribute>`) read the span's events: a
 * comparison on one holds when one of the events satisfies it, each comparison on its own (as in
 * TraceQL, two of them joined by && may be met by two events of the span).
 */
export type Field =
  | { type: 'name' }
  | { type: 'status' }
  | { type: 'kind' }
  | { type: 'duration' }
  | { type: 'service' }
  | { type: 'attribute'; scope: 'span' | 'resource' | 'any'; key: string }
  | { type: 'eventName' }
  | { type: 'eventAttribute'; key: string };

export const isEventField = (field: Field): field is Field & { type: 'eventName' | 'eventAttribute' } =>
  field.type === 'eventName' || field.type === 'eventAttribute';

export type Literal =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  /** In milliseconds. */
  | { type: 'duration'; value: number }
  | { type: 'status'; value: StatusName }
  | { type: 'kind'; value: KindName };

/** A condition on one span. */
export type Condition =
  | { type: 'compare'; field: Field; op: Operator; value: Literal }
  | { type: 'and' | 'or'; left: Condition; right: Condition }
  | { type: 'true' };

/** A condition on a trace: spansets `{ … }` combined. `index` numbers the spansets from 0, in text order. */
export type Query =
  | { type: 'spanset'; index: number; condition: Condition }
  | { type: 'and' | 'or'; left: Query; right: Query };

/** The comparisons on event fields in the conditions, in text order. */
export function eventComparisons(conditions: readonly Condition[]): Array<Condition & { type: 'compare' }> {
  const out: Array<Condition & { type: 'compare' }> = [];
  const walk = (c: Condition): void => {
    if (c.type === 'compare') {
      if (isEventField(c.field)) out.push(c);
    } else if (c.type !== 'true') {
      walk(c.left);
      walk(c.right);
    }
  };
  for (const c of conditions) walk(c);
  return out;
}

/** Every spanset of a query, by index. */
export function spansets(query: Query): Condition[] {
  const out: Condition[] = [];
  const walk = (q: Query): void => {
    if (q.type === 'spanset') out[q.index] = q.condition;
    else {
      walk(q.left);
      walk(q.right);
    }
  };
  walk(query);
  return out;
}
