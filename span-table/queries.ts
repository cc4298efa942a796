import { HoptraceAttribute } from '../src/otlp/hoptrace-attributes';
import { PARTITION_COLUMN } from './rows';

// The archive's named questions, one definition each, rendered for Athena (Trino SQL, in
// the deployed workgroup) and for DuckDB (the same table read locally from Parquet). They
// differ only where the dialects do: percentiles and map lookups. Every query reads the
// spans through `deduplicated`, since delivery into the stream is at least once. The
// `hoptrace` command's archive source (cli/src/archive/) writes its SQL with the same syntax.

export type Dialect = 'athena' | 'duckdb';

export interface Syntax {
  /** The percentile `q` (0..1) of `expr`: approximate in Athena, exact (nearest rank) in DuckDB. */
  percentile(expr: string, q: number): string;
  /** The value of `key` (a quoted literal or a `?` parameter) in a map column, or NULL. */
  lookup(map: string, key: string): string;
  /** A timestamp as whole microseconds since the epoch (Athena reads Parquet timestamps to the millisecond). */
  micros(timestamp: string): string;
  /** The end of a span as whole microseconds since the epoch, from its start and `duration_ns`. */
  endMicros(timestamp: string, durationNs: string): string;
  /** The distinct values of `expr` in a group, joined by `separator` (a literal), in no set order. */
  joinDistinct(expr: string, separator: string): string;
  /** A map, an array or a struct as JSON text (timestamps inside as `YYYY-MM-DD HH:MM:SS.fraction`). */
  json(expr: string): string;
  /** `FROM` item that turns each element of the array of structs `array` into a row `alias`, fields `alias.field`. */
  unnest(array: string, alias: string, fields: readonly string[]): string;
}

const literal = (key: string): string => (key === '?' ? key : `'${key}'`);
const athenaMicros = (ts: string): string =>
  `(CAST(floor(to_unixtime(${ts})) AS bigint) * 1000000 + CAST(date_format(${ts}, '%f') AS bigint))`;

export const SYNTAX: Record<Dialect, Syntax> = {
  athena: {
    percentile: (expr, q) => `approx_percentile(${expr}, ${q})`,
    lookup: (map, key) => `element_at(${map}, ${literal(key)})`,
    micros: athenaMicros,
    endMicros: (ts, duration) => `(${athenaMicros(ts)} + ${duration} / 1000)`,
    joinDistinct: (expr, separator) => `array_join(array_distinct(array_agg(${expr})), ${separator})`,
    json: (expr) => `json_format(CAST(${expr} AS JSON))`,
    unnest: (array, alias, fields) => `CROSS JOIN UNNEST(${array}) AS ${alias} (${fields.join(', ')})`,
  },
  duckdb: {
    percentile: (expr, q) => `quantile_disc(${expr}, ${q})`,
    lookup: (map, key) => `${map}[${literal(key)}]`,
    micros: (ts) => `epoch_us(${ts})`,
    endMicros: (ts, duration) => `((epoch_ns(${ts}) + ${duration}) // 1000)`,
    joinDistinct: (expr, separator) => `string_agg(DISTINCT ${expr}, ${separator})`,
    json: (expr) => `CAST(to_json(${expr}) AS VARCHAR)`,
    unnest: (array, alias, fields) =>
      `CROSS JOIN (SELECT unnest(${array}, recursive := true)) AS ${alias} (${fields.join(', ')})`,
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
 * The CTE `deduplicated`: the spans that pass `where` (by default: from day `?` on), each
 * (trace_id, span_id) once: a span's real end over the provisional copy the timeout guard
 * sent of it.
 */
export function deduplicated(table: string, s: Syntax, where = `${PARTITION_COLUMN} >= ?`): string {
  return `deduplicated AS (
  SELECT * FROM (
    SELECT *, row_number() OVER (
      PARTITION BY trace_id, span_id
      ORDER BY CASE WHEN ${s.lookup('span_attributes', HoptraceAttribute.Provisional)} = 'true' THEN 1 ELSE 0 END, start_time
    ) AS copy
    FROM ${table}
    WHERE ${where}
  ) WHERE copy = 1
)`;
}

const ms = (s: Syntax, q: number): string => `round(${s.percentile('duration_ns', q)} / 1e6, 3)`;

/**
 * `part` as a percentage of `whole`, to two places. In double precision on both engines:
 * Trino divides a DECIMAL (`100.0` is one) keeping the operands' scale, one place.
 */
const percent = (part: string, whole: string): string => `round(100 * CAST(${part} AS double) / ${whole}, 2)`;

export const NAMED_QUERIES: readonly NamedQuery[] = [
  {
    name: 'trace-by-id',
    // Only the days given are read (a trace id says nothing of its time): the scan is of a
    // day or two whatever the retention, far under the workgroup's cap.
    description:
      "Every span of one trace, in start order, from the days given (YYYY-MM-DD): the trace's day, to the next for one that crossed midnight",
    parameters: ['trace id (32 lowercase hex)', 'first day (YYYY-MM-DD)', 'last day (YYYY-MM-DD)'],
    sql: (table, s) => `WITH ${deduplicated(table, s, `trace_id = ? AND ${PARTITION_COLUMN} BETWEEN ? AND ?`)}
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
       ${percent(`sum(CASE WHEN status_code = 'Error' THEN 1 ELSE 0 END)`, 'count(*)')} AS error_percent
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
       ${percent('i.cold_starts', 'i.invocations')} AS cold_start_percent,
       n.init_p50_ms, n.init_p95_ms
FROM invocations i LEFT JOIN inits n ON n.service_name = i.service_name
ORDER BY cold_start_percent DESC, i.service_name`,
  },
];

/** A named query's SQL for one engine, reading `table`. */
export function renderQuery(query: NamedQuery, dialect: Dialect, table: string): string {
  return query.sql(table, SYNTAX[dialect]);
}
