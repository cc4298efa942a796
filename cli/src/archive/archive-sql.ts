import { deduplicated, SYNTAX, type Dialect, type Syntax } from '../../../span-table/queries';
import { PARTITION_COLUMN } from '../../../span-table/rows';
import { HoptraceAttribute } from '../../../src/otlp/hoptrace-attributes';
import type { Filters } from '../analysis/filters';
import { EXAMPLES_PER_ROW } from '../analysis/examples';
import { BUCKET_BOUNDS_MS } from '../analysis/histogram';
import { MAX_BUCKETS, STEPS_MS } from '../analysis/timeline';
import { dependencySql } from './dependency-sql';
import { eventComparisons } from '../query/ast';
import { attributeColumn, conditionSql, eventHitsSql, querySql } from './query-sql';

// The read-back command's questions as SQL over the span table, so the engine (DuckDB on
// local Parquet, Athena on S3) does the filtering, grouping and percentiles and Node gets
// only the answer rows. They follow the in-memory analysis (cli/src/analysis/) rule for
// rule: a filter selects whole traces, `stats` and `map` count the spans of the traces
// selected, a service's node counts the requests entering it, links resolve against every
// span read. Durations are whole microseconds, as the in-memory read keeps them.

/** SQL with its positional parameters (`?`), in order. */
export interface Statement {
  sql: string;
  parameters: Array<string | number>;
}

/** What every question reads: the table, the days of the window, the traces' filters. */
export interface Scope {
  dialect: Dialect;
  table: string;
  /** `YYYY-MM-DD`: partitions before it are not read. */
  sinceDay?: string;
  /** `YYYY-MM-DD`: partitions after it are not read. */
  untilDay?: string;
  filters: Filters;
  /** `--bucket`: the timeline's step in milliseconds; chosen from the spans' range without it. */
  bucketMs?: number;
}

/** Joins a group's services in one text column; no service name holds this control character. */
export const SERVICE_SEPARATOR = '\u001f';

class Builder {
  readonly parameters: Array<string | number> = [];
  readonly s: Syntax;
  constructor(readonly scope: Scope) {
    this.s = SYNTAX[scope.dialect];
  }

  /** `?`, with its value appended: call in the order the text reads. */
  p(value: string | number): string {
    this.parameters.push(value);
    return '?';
  }

  dayWhere(extra?: string): string {
    const conditions = [
      ...(extra ? [extra] : []),
      // All-zero ids are invalid (W3C Trace Context, OTLP); the in-memory read refuses them too.
      `trace_id <> '${'0'.repeat(32)}' AND span_id <> '${'0'.repeat(16)}'`,
      ...(this.scope.sinceDay !== undefined ? [`${PARTITION_COLUMN} >= ${this.p(this.scope.sinceDay)}`] : []),
      ...(this.scope.untilDay !== undefined ? [`${PARTITION_COLUMN} <= ${this.p(this.scope.untilDay)}`] : []),
    ];
    return conditions.length > 0 ? conditions.join(' AND ') : '1 = 1';
  }
}

const flag = (condition: string): string => `CASE WHEN ${condition} THEN 1 ELSE 0 END`;

/**
 * The CTEs every question starts from: `deduplicated`; `spans` (what the analysis keeps of a
 * span); `related` (with its parent's service and kind, and whether it is an orphan);
 * `traces` (one summary a trace, with what the filters test); `selected` (the traces that
 * pass); `members` (their spans).
 */
function base(b: Builder): string {
  const { s, scope } = b;
  const { filters } = scope;
  // Parameters in the order their `?` appear in the text.
  const dedup = deduplicated(scope.table, s, b.dayWhere());
  const durationMs = `CAST(greatest(${s.endMicros('start_time', 'duration_ns')}, ${s.micros('start_time')}) - ${s.micros('start_time')} AS double) / 1000`;
  const dependency = dependencySql(s, scope.dialect);
  const spansetConditions = filters.query?.spansets ?? [];
  // Before the spansets: its parameters come first in the text.
  const events = eventHitsSql(eventComparisons(spansetConditions), scope.dialect, s, (v) => b.p(v));
  const columns = { durationMs, eventHits: events?.hits ?? new Map() };
  const spansets = spansetConditions.map(
    (condition, i) => `${flag(conditionSql(condition, scope.dialect, s, columns, (v) => b.p(v)))} AS q${i},`,
  );
  const head = `WITH ${dedup},${events ? `\n${events.cte},` : ''}
spans AS (
  SELECT trace_id, span_id, NULLIF(parent_span_id, '') AS parent_id, service_name AS service, span_name AS name,
         span_kind AS kind, ${s.micros('start_time')} AS start_us,
         greatest(${s.endMicros('start_time', 'duration_ns')}, ${s.micros('start_time')}) AS end_us,
         status_code = 'Error' AS error,
         ${s.lookup('span_attributes', 'faas.coldstart')} IS NOT NULL AS invocation,
         coalesce(${s.lookup('span_attributes', 'faas.coldstart')} = 'true', false) AS cold,
         ${s.lookup('span_attributes', HoptraceAttribute.InitType)} IS NOT NULL AS init,
         ${spansets.join('\n         ')}
         ${dependency.kind} AS dep_kind, ${dependency.name} AS dep_name,
         links
  FROM deduplicated${events ? '\n  LEFT JOIN span_events ON event_trace_id = trace_id AND event_span_id = span_id' : ''}
),`;
  const { window } = filters;
  const conditions = [
    ...(window?.fromUs !== undefined ? [`start_us >= ${b.p(window.fromUs)}`] : []),
    ...(window?.toUs !== undefined ? [`start_us < ${b.p(window.toUs)}`] : []),
    ...(filters.query ? [querySql(filters.query.query)] : []),
  ];
  const spansetHits = spansets.map((_, i) => `, max(q${i}) AS q${i}`).join('');
  return `${head}
related AS (
  SELECT c.*, p.service AS parent_service, p.kind AS parent_kind,
         c.parent_id IS NOT NULL AND p.span_id IS NULL AS orphan
  FROM spans c LEFT JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_id
),
ranked AS (
  SELECT *, row_number() OVER (
    PARTITION BY trace_id
    ORDER BY CASE WHEN parent_id IS NULL AND NOT init THEN 0 WHEN parent_id IS NULL THEN 1 WHEN orphan THEN 2 ELSE 3 END, start_us, end_us DESC, span_id
  ) AS root_rank
  FROM related
),
traces AS (
  SELECT trace_id, count(*) AS span_count, min(start_us) AS start_us, max(end_us) AS end_us,
         sum(${flag('error')}) AS errors, sum(${flag('cold')}) AS cold_starts,
         max(CASE WHEN root_rank = 1 AND (parent_id IS NULL OR orphan) THEN name END) AS root_name,
         max(CASE WHEN root_rank = 1 AND parent_id IS NULL THEN service END) AS root_service,
         max(${flag('orphan')}) AS has_orphans,
         max(CASE WHEN root_rank = 1 AND parent_id IS NULL THEN end_us - start_us END) AS root_duration_us,
         max(${flag('parent_id IS NULL')}) AS has_root,
         ${s.joinDistinct('service', 'chr(31)')} AS services${spansetHits}
  FROM ranked
  GROUP BY trace_id
),
selected AS (
  SELECT * FROM traces WHERE ${conditions.length > 0 ? conditions.join(' AND ') : '1 = 1'}
),
members AS (
  SELECT r.* FROM related r JOIN selected t ON t.trace_id = r.trace_id
)`;
}

/** Newest first, as the in-memory list sorts: by start to the millisecond, then by id. */
const NEWEST_FIRST = 'floor(start_us / 1e3) DESC, trace_id';

/** `traces`: the newest `limit` traces that pass the filters, one summary row each. */
export function tracesStatement(scope: Scope, limit: number): Statement {
  const b = new Builder(scope);
  const sql = `${base(b)}
SELECT trace_id, root_name, services, span_count, start_us, end_us, errors, cold_starts, root_duration_us, has_root
FROM selected
ORDER BY ${NEWEST_FIRST}
LIMIT ${Math.trunc(limit)}`;
  return { sql, parameters: b.parameters };
}

/** The histogram bucket's index of a duration in milliseconds, by the ladder the in-memory read uses. */
function bucketSql(durationMs: string): string {
  return `CASE ${BUCKET_BOUNDS_MS.map((bound, i) => `WHEN ${durationMs} <= ${bound} THEN ${i}`).join(' ')} ELSE ${BUCKET_BOUNDS_MS.length} END`;
}

/** One kind of answer row of a summary statement; every kind has the same columns. */
function answer(
  section: string,
  a: string,
  b: string,
  c: string,
  n: string,
  errors: string,
  p50: string,
  p95: string,
  p99: string,
  from: string,
): string {
  return `SELECT '${section}' AS section, ${a} AS a, ${b} AS b, ${c} AS c, ${n} AS n, ${errors} AS errors, ${p50} AS p50, ${p95} AS p95, ${p99} AS p99
FROM ${from}`;
}

/** What a summary statement answers: `stats`, `map`, or both (`view`). */
export type SummaryPart = 'stats' | 'map';

/**
 * `stats` and/or `map` in one statement (one scan on Athena), a row per answer line:
 * `section` says which (`op`, `fn`, `traces` for stats; `node`, `edge` for the map);
 * durations are microseconds.
 */
export function summaryStatement(scope: Scope, parts: readonly SummaryPart[]): Statement {
  const b = new Builder(scope);
  const { s } = b;
  const duration = 'end_us - start_us';
  const links = s.unnest('m.links', 'l', ['trace_id', 'span_id', 'trace_state', 'attributes']);
  // Producer spans with a child in a service: a batch's link to one of them is the same
  // delivery as the message's own span (traceRecord) under it, counted once.
  const mapCtes = `,
delivered AS (
  SELECT DISTINCT trace_id, parent_id AS producer_id, service FROM related WHERE parent_kind = 'Producer'
),
callees AS (
  SELECT DISTINCT trace_id, parent_id FROM related WHERE parent_service IS NOT NULL AND parent_service <> service
),
dependency_calls AS (
  SELECT m.*, m.dep_kind || ':' || m.dep_name AS dep_node
  FROM members m LEFT JOIN callees c ON c.trace_id = m.trace_id AND c.parent_id = m.span_id
  WHERE m.dep_kind IS NOT NULL AND m.dep_name IS NOT NULL AND c.trace_id IS NULL
),
entries AS (
  SELECT * FROM (
    SELECT m.*, row_number() OVER (
      PARTITION BY trace_id, CASE WHEN parent_service IS NULL THEN span_id ELSE parent_id || '/' || service END
      ORDER BY start_us, span_id
    ) AS entry_rank
    FROM members m
    WHERE parent_service IS NULL OR parent_service <> service
  ) WHERE entry_rank = 1
),
hops AS (
  SELECT parent_service AS from_service, service AS to_service,
         CASE WHEN kind = 'Consumer' OR parent_kind = 'Producer' THEN 'async' ELSE 'sync' END AS hop_kind,
         error, start_us, end_us
  FROM entries WHERE parent_service IS NOT NULL
  UNION ALL
  SELECT t.service, m.service, 'async', m.error, m.start_us, m.end_us
  FROM members m ${links}
  JOIN spans t ON t.trace_id = l.trace_id AND t.span_id = l.span_id
  LEFT JOIN delivered d ON d.trace_id = t.trace_id AND d.producer_id = t.span_id AND d.service = m.service
  WHERE t.span_id <> coalesce(m.parent_id, '') AND t.service <> m.service AND d.trace_id IS NULL
  UNION ALL
  SELECT service, dep_node, CASE WHEN kind = 'Producer' THEN 'async' ELSE 'sync' END, error, start_us, end_us FROM dependency_calls
)`;
  const ms = (q: number, of = duration): string => s.percentile(of, q);
  const init = `CASE WHEN init THEN ${duration} END`;
  const stats = [
    answer(
      'op',
      'service',
      'name',
      "''",
      'count(*)',
      `sum(${flag('error')})`,
      ms(0.5),
      ms(0.95),
      ms(0.99),
      'members GROUP BY service, name',
    ),
    answer(
      'hist',
      'service',
      'name',
      'CAST(bucket AS varchar)',
      'count(*)',
      '0',
      'NULL',
      'NULL',
      'NULL',
      `(SELECT service, name, ${bucketSql(`CAST(${duration} AS double) / 1000`)} AS bucket FROM members) b GROUP BY service, name, bucket`,
    ),
    answer(
      'fn',
      'service',
      "''",
      "''",
      `sum(${flag('invocation')})`,
      `sum(${flag('cold')})`,
      ms(0.5, init),
      ms(0.95, init),
      'NULL',
      'members WHERE invocation OR init GROUP BY service',
    ),
    answer(
      'traces',
      "''",
      "''",
      "''",
      'count(*)',
      'sum(has_orphans)',
      ms(0.5, 'span_count'),
      ms(0.95, 'span_count'),
      'max(span_count)',
      'selected',
    ),
  ];
  const map = [
    answer(
      'dependency',
      'dep_node',
      'dep_name',
      'dep_kind',
      'count(*)',
      `sum(${flag('error')})`,
      'NULL',
      ms(0.95),
      'NULL',
      'dependency_calls GROUP BY dep_node, dep_name, dep_kind',
    ),
    answer(
      'node',
      'service',
      "''",
      "''",
      'count(*)',
      `sum(${flag('error')})`,
      'NULL',
      ms(0.95),
      'NULL',
      'entries GROUP BY service',
    ),
    answer(
      'edge',
      'from_service',
      'to_service',
      'hop_kind',
      'count(*)',
      `sum(${flag('error')})`,
      'NULL',
      ms(0.95),
      'NULL',
      'hops GROUP BY from_service, to_service, hop_kind',
    ),
  ];
  // A few example traces per row, best first: the slowest span's, the latest failure's and cold start's (analysis/examples.ts).
  const examples = (section: string, keys: string, score: string, where: string): string =>
    answer(
      section,
      keys.split(', ')[0]!,
      keys.includes(',') ? keys.split(', ')[1]! : "''",
      'trace_id',
      'score',
      '0',
      'NULL',
      'NULL',
      'NULL',
      `(SELECT ${keys}, trace_id, score, row_number() OVER (PARTITION BY ${keys} ORDER BY score DESC, trace_id) AS example_rank
  FROM (SELECT ${keys}, trace_id, max(${score}) AS score FROM members WHERE ${where} GROUP BY ${keys}, trace_id) x) y WHERE example_rank <= ${EXAMPLES_PER_ROW}`,
    );
  stats.push(
    examples('slowest', 'service, name', duration, '1 = 1'),
    examples('failed', 'service, name', 'start_us', 'error'),
    examples('cold', 'service', 'start_us', 'cold'),
  );
  const stepUs =
    scope.bucketMs !== undefined
      ? String(Math.trunc(scope.bucketMs * 1000))
      : `(SELECT CASE ${STEPS_MS.map((step) => `WHEN max(start_us) - min(start_us) <= ${MAX_BUCKETS * step * 1000} THEN ${step * 1000}`).join(' ')} ELSE ${STEPS_MS[STEPS_MS.length - 1]! * 1000} END FROM members)`;
  stats.push(
    answer(
      'timeline',
      'service',
      'name',
      'CAST(bucket_us AS varchar)',
      'count(*)',
      `sum(${flag('error')})`,
      'NULL',
      ms(0.95),
      'NULL',
      `(SELECT service, name, error, start_us, end_us, CAST(floor(CAST(start_us AS double) / step_us) AS bigint) * step_us AS bucket_us FROM members CROSS JOIN (SELECT ${stepUs} AS step_us) s) t GROUP BY service, name, bucket_us`,
    ),
  );
  const selects = [...(parts.includes('stats') ? stats : []), ...(parts.includes('map') ? map : [])];
  const sql = `${base(b)}${parts.includes('map') ? mapCtes : ''}
${selects.join('\nUNION ALL\n')}`;
  return { sql, parameters: b.parameters };
}

const SPAN_COLUMNS_SQL = (
  s: Syntax,
  d: string,
): string => `${d}.trace_id, ${d}.span_id, ${d}.parent_span_id, ${d}.service_name, ${d}.span_name, ${d}.span_kind,
       ${s.micros(`${d}.start_time`)} AS start_us, ${s.endMicros(`${d}.start_time`, `${d}.duration_ns`)} AS end_us,
       ${d}.status_code, ${d}.status_message,
       ${s.json(`${d}.span_attributes`)} AS span_attributes, ${s.json(`${d}.resource_attributes`)} AS resource_attributes,
       ${s.json(`${d}.events`)} AS events, ${s.json(`${d}.links`)} AS links`;

/**
 * Days a read of traces by id opens on Athena when no `--since` is given. A trace id says
 * nothing of its time, and Athena bills (and its workgroup caps) the bytes a query scans: so
 * the read is bounded by days, its cost grows with the window, never with the retention. The
 * local table costs nothing to read whole, and keeps finding a trace whatever its age.
 */
export const TRACE_WINDOW_DAYS = 7;

/** The scope a read by id runs in: the one given, or on Athena the last TRACE_WINDOW_DAYS days (today included). */
export function traceScope(scope: Scope, now = Date.now()): Scope {
  if (scope.sinceDay !== undefined || scope.dialect !== 'athena') return scope;
  return { ...scope, sinceDay: new Date(now - (TRACE_WINDOW_DAYS - 1) * 86_400_000).toISOString().slice(0, 10) };
}

/** Every span, in full, of the traces given by id (the named query `trace-by-id`'s pattern: only their rows, of the scope's days, are read). */
export function spansOfTracesStatement(scope: Scope, traceIds: readonly string[]): Statement {
  const b = new Builder(traceScope(scope));
  const s = SYNTAX[scope.dialect];
  const ids = `trace_id IN (${traceIds.map((id) => b.p(id)).join(', ')})`;
  const sql = `WITH ${deduplicated(scope.table, s, b.dayWhere(ids))}
SELECT ${SPAN_COLUMNS_SQL(s, 'd')}
FROM deduplicated d`;
  return { sql, parameters: b.parameters };
}

/** The failed spans of the traces given by id, with what their failure says (`traces` lists the first of each). */
export function failuresOfTracesStatement(scope: Scope, traceIds: readonly string[]): Statement {
  const b = new Builder(scope);
  const s = SYNTAX[scope.dialect];
  const ids = `trace_id IN (${traceIds.map((id) => b.p(id)).join(', ')}) AND status_code = 'Error'`;
  const sql = `WITH ${deduplicated(scope.table, s, b.dayWhere(ids))}
SELECT d.trace_id, d.span_id, d.service_name, d.span_name, ${s.micros('d.start_time')} AS start_us, d.status_message,
       ${s.json('d.span_attributes')} AS span_attributes, ${s.json('d.events')} AS events
FROM deduplicated d`;
  return { sql, parameters: b.parameters };
}

/** Every span, in full, of the newest `limit` traces that pass the filters (`view`), or of all of them without a limit. */
export function spansOfNewestStatement(scope: Scope, limit?: number): Statement {
  const b = new Builder(scope);
  const sql = `${base(b)},
shown AS (SELECT trace_id FROM selected${limit !== undefined ? ` ORDER BY ${NEWEST_FIRST} LIMIT ${Math.trunc(limit)}` : ''})
SELECT ${SPAN_COLUMNS_SQL(b.s, 'd')}
FROM deduplicated d JOIN shown w ON w.trace_id = d.trace_id`;
  return { sql, parameters: b.parameters };
}

/**
 * The traces whose root is the same service and operation as `traceId`'s (it included), with
 * the root's own duration (`compare <trace>`); in the days a read by id opens, as it starts from one.
 */
export function sameRootStatement(scope: Scope, traceId: string): Statement {
  const b = new Builder(traceScope(scope));
  const sql = `${base(b)},
own AS (SELECT root_service, root_name FROM selected WHERE trace_id = ${b.p(traceId)} AND root_service IS NOT NULL)
SELECT t.trace_id, t.root_service, t.root_name, t.root_duration_us
FROM selected t JOIN own o ON o.root_service = t.root_service AND o.root_name = t.root_name`;
  return { sql, parameters: b.parameters };
}

/** Each value of an attribute (the span's, else the resource's) among the traces that pass the filters, with how many traces have it; NULL counts those with none (`stats --by`). */
export function valuesStatement(scope: Scope, key: string): Statement {
  const b = new Builder(scope);
  // Called in the order the text reads: each call appends its parameters.
  const column = (): string => attributeColumn({ type: 'attribute', scope: 'any', key }, b.s, (v) => b.p(v));
  const sql = `${base(b)}
SELECT value, count(DISTINCT trace_id) AS traces FROM (
  SELECT t.trace_id, v.value FROM selected t
  LEFT JOIN (SELECT DISTINCT trace_id, ${column()} AS value FROM deduplicated WHERE ${column()} IS NOT NULL) v ON v.trace_id = t.trace_id
) x
GROUP BY value`;
  return { sql, parameters: b.parameters };
}
