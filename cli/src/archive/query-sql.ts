import type { Dialect, Syntax } from '../../../span-table/queries';
import type { Condition, Field, Literal, Operator, Query } from '../query/ast';

// The span query as SQL over the span table, rule for rule as cli/src/query/evaluate.ts
// reads it: attribute values are text (compared as text, as numbers through TRY_CAST, as
// `true`/`false`), a missing attribute satisfies no condition, regular expressions match the
// whole value. Every part of the query is pushed into the engine.

/** The columns of one span a condition reads: SQL expressions over the `deduplicated` row. */
export interface SpanColumns {
  durationMs: string;
  /** Each comparison on an event field: the column that is 1 when one of the span's events satisfies it (eventHitsSql). */
  eventHits: ReadonlyMap<Condition, string>;
}

/** Appends a parameter and answers its placeholder: call in the order the text reads. */
type Param = (value: string | number) => string;

const SQL_OPERATORS: Partial<Record<Operator, string>> = {
  '=': '=',
  '!=': '<>',
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
};
const STATUS_TEXT = { ok: 'Ok', error: 'Error', unset: 'Unset' } as const;
const capitalized = (word: string): string => word[0]!.toUpperCase() + word.slice(1);

function regexSql(dialect: Dialect, column: string, pattern: string, p: Param): string {
  return dialect === 'duckdb'
    ? `regexp_full_match(${column}, ${p(pattern)})`
    : `regexp_like(${column}, ${p(`^(?:${pattern})$`)})`;
}

function textComparison(dialect: Dialect, column: string, op: Operator, literal: Literal, p: Param): string {
  const value = String(literal.value);
  if (op === '=~') return regexSql(dialect, column, value, p);
  if (op === '!~') return `NOT ${regexSql(dialect, column, value, p)}`;
  return `${column} ${SQL_OPERATORS[op]} ${p(value)}`;
}

/** A span's attribute as text: the span's, the resource's, or (`any`) the span's else the resource's. */
export function attributeColumn(field: Field & { type: 'attribute' }, s: Syntax, p: Param): string {
  const span = (): string => s.lookup('span_attributes', p(field.key));
  const resource = (): string => s.lookup('resource_attributes', p(field.key));
  if (field.scope === 'span') return span();
  if (field.scope === 'resource') return resource();
  const first = span();
  return `coalesce(${first}, ${resource()})`;
}

/** An attribute's text `column` compared with a string, a number (through TRY_CAST) or true/false. */
function attributeComparison(dialect: Dialect, column: string, op: Operator, value: Literal, p: Param): string {
  if (value.type === 'number') return `TRY_CAST(${column} AS double) ${SQL_OPERATORS[op]} ${p(value.value)}`;
  if (value.type === 'boolean') return `${column} = '${String(op === '=' ? value.value : !value.value)}'`;
  return textComparison(dialect, column, op, value, p);
}

function comparison(
  condition: Condition & { type: 'compare' },
  dialect: Dialect,
  s: Syntax,
  columns: SpanColumns,
  p: Param,
): string {
  const { field, op, value } = condition;
  switch (field.type) {
    case 'eventName':
    case 'eventAttribute':
      return `${columns.eventHits.get(condition)} = 1`;
    case 'name':
      return textComparison(dialect, 'span_name', op, value, p);
    case 'service':
      return textComparison(dialect, 'service_name', op, value, p);
    case 'status':
      return `status_code ${SQL_OPERATORS[op]} '${STATUS_TEXT[value.value as keyof typeof STATUS_TEXT]}'`;
    case 'kind':
      return `span_kind ${SQL_OPERATORS[op]} '${capitalized(String(value.value))}'`;
    case 'duration':
      return `${columns.durationMs} ${SQL_OPERATORS[op]} ${p(value.value as number)}`;
    case 'attribute':
      return attributeComparison(dialect, attributeColumn(field, s, p), op, value, p);
  }
}

/**
 * The CTE `span_events` for the query's comparisons on event fields: one row per span with
 * events, `event_hit<i>` 1 when one of its events satisfies comparison i (the events are
 * unnested once for all of them), and each comparison's column for conditionSql. Undefined
 * when the query has no event field: then no event is read.
 */
export function eventHitsSql(
  comparisons: ReadonlyArray<Condition & { type: 'compare' }>,
  dialect: Dialect,
  s: Syntax,
  p: Param,
): { cte: string; hits: Map<Condition, string> } | undefined {
  if (comparisons.length === 0) return undefined;
  const hits = new Map<Condition, string>();
  const columns = comparisons.map((condition, i) => {
    const { field, op, value } = condition;
    const test =
      field.type === 'eventAttribute'
        ? attributeComparison(dialect, s.lookup('e.event_attributes', p(field.key)), op, value, p)
        : textComparison(dialect, 'e.event_name', op, value, p);
    hits.set(condition, `span_events.event_hit${i}`);
    return `max(CASE WHEN coalesce(${test}, false) THEN 1 ELSE 0 END) AS event_hit${i}`;
  });
  const cte = `span_events AS (
  SELECT d.trace_id AS event_trace_id, d.span_id AS event_span_id,
         ${columns.join(',\n         ')}
  FROM deduplicated d ${s.unnest('d.events', 'e', ['event_time', 'event_name', 'event_attributes'])}
  GROUP BY d.trace_id, d.span_id
)`;
  return { cte, hits };
}

/** A spanset's condition on one span, as a boolean SQL expression (NULL counts as false). */
export function conditionSql(
  condition: Condition,
  dialect: Dialect,
  s: Syntax,
  columns: SpanColumns,
  p: Param,
): string {
  switch (condition.type) {
    case 'true':
      return 'true';
    case 'and':
    case 'or': {
      const left = conditionSql(condition.left, dialect, s, columns, p);
      return `(${left} ${condition.type.toUpperCase()} ${conditionSql(condition.right, dialect, s, columns, p)})`;
    }
    case 'compare':
      return `coalesce(${comparison(condition, dialect, s, columns, p)}, false)`;
  }
}

/** The trace-level combination of spansets, over per-trace columns `q<i>` (1 when a span satisfied spanset i). */
export function querySql(query: Query): string {
  if (query.type === 'spanset') return `q${query.index} = 1`;
  return `(${querySql(query.left)} ${query.type.toUpperCase()} ${querySql(query.right)})`;
}
