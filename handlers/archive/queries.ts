import { PROVISIONAL_ATTRIBUTE } from '../../src/otlp/provisional';

// The archive's named questions, one definition each, rendered for Athena (Trino SQL, in
// the deployed workgroup) and for DuckDB (the same table read locally from Parquet). They
// differ only where the dialects do: percentiles and map lookups. Every query reads the
// spans through `deduplicated`, since delivery into the stream is at least once.

export type Dialect = 'athena' | 'duckdb';

interface Syntax {
  /** The percentile `q` (0..1) of `expr`: approximate in Athena, exact (nearest rank) in DuckDB. */
  percentile(expr: string, q: number): string;
  /** The value of `key` in a map column, or NULL. */
  lookup(map: string, key: string): string;
}

const SYNTAX: Record<Dialect, Syntax> = {
  athena: {
    percentile: (expr, q) => `approx_percentile(${expr}, ${q})`,
    lookup: (map, key) => `element_at(${map}, '${key}')`,
  },
  duckdb: {
    percentile: (expr, q) => `quantile_disc(${expr}, ${q})`,
    lookup: (map, key) => `${map}['${key}']`,
  },
};

export interface NamedQuery {
  name: string;
  description: string;
  /** Positional parameters (`?`), in order. */
  parameters: string[];
  sql(table: string, s: Syntax): string;
}

/**
 * The spans from day `?` on, each (trace_id, span_id) once: a span's real end over the
 * provisional copy the timeout guard sent of it.
 */
function deduplicated(table: string, s: Syntax, where = `dt >= ?`): string {
  return `deduplicated AS (
  SELECT * FROM (
    SELECT *, row_number() OVER (
      PARTITION BY trace_id, span_id
      ORDER BY CASE WHEN ${s.lookup('span_attributes', PROVISIONAL_ATTRIBUTE)} = 'true' THEN 1 ELSE 0 END, start_time
    ) AS copy
    FROM ${table}
    WHERE ${where}
  ) WHERE copy = 1
)`;
}

const ms = (s: Syntax, q: number): string => `round(${s.percentile('duration_ns', q)} / 1e6, 3)`;

export const NAMED_QUERIES: readonly NamedQuery[] = [
  {
    name: 'trace-by-id',
    description: 'Every span of one trace, in start order',
    parameters: ['trace id (32 lowercase hex)'],
    sql: (table, s) => `WITH ${deduplicated(table, s, 'trace_id = ?')}
SELECT trace_id, span_id, parent_span_id, service_name, span_name, span_kind, start_time,
       round(duration_ns / 1e6, 3) AS duration_ms, status_code, status_message, span_attributes
FROM deduplicated
ORDER BY start_time, span_id`,
  },
  {
    name: 'slowest-operations',
    description: 'Operations by p95 duration since a day (YYYY-MM-DD), with p50 and p99',
    parameters: ['first day (YYYY-MM-DD)'],
    sql: (table, s) => `WITH ${deduplicated(table, s)}
SELECT service_name, span_name, count(*) AS spans,
       ${ms(s, 0.5)} AS p50_ms, ${ms(s, 0.95)} AS p95_ms, ${ms(s, 0.99)} AS p99_ms
FROM deduplicated
GROUP BY service_name, span_name
ORDER BY p95_ms DESC, service_name, span_name
LIMIT 50`,
  },
  {
    name: 'error-rate-by-service',
    description: 'Spans and errors per service since a day (YYYY-MM-DD)',
    parameters: ['first day (YYYY-MM-DD)'],
    sql: (table, s) => `WITH ${deduplicated(table, s)}
SELECT service_name, count(*) AS spans,
       sum(CASE WHEN status_code = 'Error' THEN 1 ELSE 0 END) AS errors,
       round(100.0 * sum(CASE WHEN status_code = 'Error' THEN 1 ELSE 0 END) / count(*), 2) AS error_percent
FROM deduplicated
GROUP BY service_name
ORDER BY error_percent DESC, service_name`,
  },
  {
    name: 'cold-starts-by-function',
    description: 'Invocations, cold starts and init duration (p50, p95) per function since a day (YYYY-MM-DD)',
    parameters: ['first day (YYYY-MM-DD)'],
    sql: (table, s) => `WITH ${deduplicated(table, s)},
invocations AS (
  SELECT service_name, count(*) AS invocations,
         sum(CASE WHEN ${s.lookup('span_attributes', 'faas.coldstart')} = 'true' THEN 1 ELSE 0 END) AS cold_starts
  FROM deduplicated
  WHERE ${s.lookup('span_attributes', 'faas.invocation_id')} IS NOT NULL
  GROUP BY service_name
),
inits AS (
  SELECT service_name, ${ms(s, 0.5)} AS init_p50_ms, ${ms(s, 0.95)} AS init_p95_ms
  FROM deduplicated
  WHERE span_name = 'init'
  GROUP BY service_name
)
SELECT i.service_name, i.invocations, i.cold_starts,
       round(100.0 * i.cold_starts / i.invocations, 2) AS cold_start_percent,
       n.init_p50_ms, n.init_p95_ms
FROM invocations i LEFT JOIN inits n ON n.service_name = i.service_name
ORDER BY cold_start_percent DESC, i.service_name`,
  },
];

/** A named query's SQL for one engine, reading `table`. */
export function renderQuery(query: NamedQuery, dialect: Dialect, table: string): string {
  return query.sql(table, SYNTAX[dialect]);
}
