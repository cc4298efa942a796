// The span query language: a subset of TraceQL (docs/read-side/command.md, "Span queries"). One parse
// gives this tree; the command, the archive's SQL and the report's search box all read it.

export type Operator = '=' | '!=' | '>' | '>=' | '<' | '<=' | '=~' | '!~';

export const STATUSES = ['ok', 'error', 'unset'] as const;
export const KINDS = ['server', 'client', 'producer', 'consumer', 'internal', 'unspecified'] as const;
export type StatusName = (typeof STATUSES)[number];
export type KindName = (typeof KINDS)[number];

/** What a condition reads of a span. `scope: 'any'` is `.attr`: the span's attribute, else its resource's. */
export type Field =
  | { type: 'name' }
  | { type: 'status' }
  | { type: 'kind' }
  | { type: 'duration' }
  | { type: 'service' }
  | { type: 'attribute'; scope: 'span' | 'resource' | 'any'; key: string };

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
