import type { Dialect, Syntax } from '../../../span-table/queries';
import type { Condition, Field, Literal, Operator, Query } from '../query/ast';

// The span query as SQL over the span table, rule for rule as cli/src/query/evaluate.ts
// reads it: attribute values are text (compared as text, as numbers through TRY_CAST, as
// `true`/`false`), a missing attribute satisfies no condition, regular expressions match the
// whole value. Every part of the query is pushed into the engine.

/** The columns of one span a condition reads: SQL expressions over the `deduplicated` row. */
export interface SpanColumns {
  durationMs: string;
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

function comparison(
  condition: Condition & { type: 'compare' },
  dialect: Dialect,
  s: Syntax,
  columns: SpanColumns,
  p: Param,
): string {
  const { field, op, value } = condition;
  switch (field.type) {
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
    case 'attribute': {
      const column = attributeColumn(field, s, p);
      if (value.type === 'number') return `TRY_CAST(${column} AS double) ${SQL_OPERATORS[op]} ${p(value.value)}`;
      if (value.type === 'boolean') return `${column} = '${String(op === '=' ? value.value : !value.value)}'`;
      return textComparison(dialect, column, op, value, p);
    }
  }
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
