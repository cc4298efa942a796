import { TrinoSQL } from 'dt-sql-parser';
import { TrinoSqlLexer } from 'dt-sql-parser/dist/lib/trino/TrinoSqlLexer';
import { describe, expect, it } from 'vitest';
import {
  sameRootStatement,
  spansOfNewestStatement,
  spansOfTracesStatement,
  summaryStatement,
  tracesStatement,
  valuesStatement,
  type Scope,
} from '../../../cli/src/archive/archive-sql';
import type { Filters } from '../../../cli/src/analysis/filters';
import { compile } from '../../../cli/src/query/evaluate';
import { parseQuery } from '../../../cli/src/query/parse';
import { shorthandQuery } from '../../../cli/src/query/shorthands';
import { TABLE_NAME } from '../../../span-table/catalog';
import { NAMED_QUERIES, renderQuery } from '../../../span-table/queries';

// Every statement Athena is sent, parsed with a parser generated from Trino's own grammar
// (dt-sql-parser's TrinoSQL, from SqlBase.g4): the named queries of the template and each
// kind of `hoptrace --athena` statement, with no filter and with every filter.

const trino = new TrinoSQL();

const EVERY_FLAG = {
  service: 'api',
  name: "it's",
  minDurationMs: 12.5,
  errors: true,
  cold: true,
  attr: { key: 'tenant', value: 'acme' },
};
const EVERY_FILTER: Filters = {
  query: compile(
    parseQuery(
      `${shorthandQuery(EVERY_FLAG)} || { kind = client && span.http.response.status_code >= 500 } && { name !~ "GET .*" }` +
        ' && { event:name = "exception" && (event.exception.message =~ ".*card_declined.*" || event.attempt > 2) }',
    ),
  ),
  window: { fromUs: Date.parse('2026-11-01T00:00:00Z') * 1000, toUs: Date.parse('2026-11-02T00:00:00Z') * 1000 },
};

function athenaStatements(): Array<[string, string]> {
  const out: Array<[string, string]> = NAMED_QUERIES.map((q) => [
    `named query ${q.name}`,
    renderQuery(q, 'athena', TABLE_NAME),
  ]);
  for (const [label, filters, sinceDay] of [
    ['no filter', {}, undefined],
    ['every filter', EVERY_FILTER, '2026-11-01'],
  ] as const) {
    const scope: Scope = { dialect: 'athena', table: TABLE_NAME, filters, ...(sinceDay ? { sinceDay } : {}) };
    out.push(
      [`traces, ${label}`, tracesStatement(scope, 20).sql],
      [`stats, ${label}`, summaryStatement(scope, ['stats']).sql],
      [`map, ${label}`, summaryStatement(scope, ['map']).sql],
      [`view summary, ${label}`, summaryStatement(scope, ['stats', 'map']).sql],
      [`trace by id, ${label}`, spansOfTracesStatement(scope, ['a'.repeat(32)]).sql],
      [`linked traces, ${label}`, spansOfTracesStatement(scope, ['a'.repeat(32), 'b'.repeat(32)]).sql],
      [`view spans, ${label}`, spansOfNewestStatement(scope, 20).sql],
      [`compare --by spans, ${label}`, spansOfNewestStatement(scope).sql],
      [`compare <trace> peers, ${label}`, sameRootStatement(scope, 'a'.repeat(32)).sql],
      [`stats --by values, ${label}`, valuesStatement(scope, 'faas.version').sql],
    );
  }
  return out;
}

describe("Athena's SQL under Trino's grammar", () => {
  it.each(athenaStatements())('%s parses', (_label, sql) => {
    expect(trino.validate(sql)).toEqual([]);
  });

  it("tells DuckDB's dialect apart (the check can fail)", () => {
    const duckdb: Scope = { dialect: 'duckdb', table: 'otel_traces', filters: {} };
    // `//` (integer division) and `unnest(…, recursive := true)` are DuckDB's.
    expect(trino.validate(spansOfTracesStatement(duckdb, ['a'.repeat(32)]).sql)).not.toEqual([]);
    expect(trino.validate(summaryStatement(duckdb, ['map']).sql)).not.toEqual([]);
  });

  // Trino types `100.0` as DECIMAL(4,1), and a division keeps its operands' scale: a
  // percentage computed from it has one decimal on Athena and two on DuckDB. Arithmetic is
  // done in double precision (CAST … AS double, or a literal with an exponent, 1e6); a
  // decimal literal given to a function as an argument (a percentile's 0.95) is only coerced.
  it.each(athenaStatements())('%s does no arithmetic on a DECIMAL literal', (_label, sql) => {
    const tokens = trino.getAllTokens(sql).filter((t) => t.channel === 0);
    const arithmetic = new Set([
      TrinoSqlLexer.PLUS,
      TrinoSqlLexer.MINUS,
      TrinoSqlLexer.ASTERISK,
      TrinoSqlLexer.SLASH,
      TrinoSqlLexer.PERCENT,
    ]);
    const decimalOperands = tokens
      .map((t, i) => ({ t, before: tokens[i - 1]?.type ?? -1, after: tokens[i + 1]?.type ?? -1 }))
      .filter(
        ({ t, before, after }) =>
          t.type === TrinoSqlLexer.DECIMAL_VALUE && (arithmetic.has(before) || arithmetic.has(after)),
      )
      .map(({ t }) => t.text);
    expect(decimalOperands).toEqual([]);
  });
});
