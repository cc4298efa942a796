import { compile, type CompiledQuery } from './evaluate';
import type { Condition, Query } from './ast';

/**
 * A query narrowed to the traces where one span has `key` (the span's attribute, else its
 * resource's) at one of `values`, as `{ .key = "v1" || .key = "v2" }` reads: how `stats --by`
 * and `compare --by` select a value's traces on the archive.
 */
export function withValues(query: CompiledQuery | undefined, key: string, values: readonly string[]): CompiledQuery {
  const condition = values
    .map(
      (value): Condition => ({
        type: 'compare',
        field: { type: 'attribute', scope: 'any', key },
        op: '=',
        value: { type: 'string', value },
      }),
    )
    .reduce((left, right) => ({ type: 'or', left, right }));
  return withSpanset(query, condition);
}

/** A query narrowed to the traces with a failed span, as `{ status = error }` reads (the map's failure split on the archive). */
export function withError(query: CompiledQuery | undefined): CompiledQuery {
  return withSpanset(query, {
    type: 'compare',
    field: { type: 'status' },
    op: '=',
    value: { type: 'status', value: 'error' },
  });
}

/** The query and one more spanset of `condition`. */
function withSpanset(query: CompiledQuery | undefined, condition: Condition): CompiledQuery {
  const spanset: Query = { type: 'spanset', index: query?.spansets.length ?? 0, condition };
  return compile(query ? { type: 'and', left: query.query, right: spanset } : spanset);
}
