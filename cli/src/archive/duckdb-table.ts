import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { NAMED_QUERIES, renderQuery } from '../../../span-table/queries';
import { splitTopLevel } from '../../../span-table/hive-type';
import { PARTITION_COLUMN, SPAN_COLUMNS, type SpanRow } from '../../../span-table/rows';

// The span table on the embedded engine: the same rows the archive function writes, as
// date-partitioned Parquet (the layout it writes to S3), and the archive's
// named queries run on it.

/** Rows of one stream record, with the partition they go to. */
export interface PartitionedRows {
  partition: string;
  rows: readonly SpanRow[];
}

/** A Glue (Hive) column type as DuckDB spells it; timestamps keep their nanoseconds. */
export function duckdbType(hive: string): string {
  const generic = /^(\w+)<(.*)>$/.exec(hive);
  if (!generic) return { string: 'VARCHAR', bigint: 'BIGINT', timestamp: 'TIMESTAMP_NS' }[hive] ?? hive.toUpperCase();
  const [, kind, inner] = generic as unknown as [string, string, string];
  if (kind === 'array') return `${duckdbType(inner)}[]`;
  if (kind === 'map') return `MAP(${splitTopLevel(inner).map(duckdbType).join(', ')})`;
  const fields = splitTopLevel(inner).map((field) => {
    const colon = field.indexOf(':');
    return `"${field.slice(0, colon)}" ${duckdbType(field.slice(colon + 1))}`;
  });
  return `STRUCT(${fields.join(', ')})`;
}

const COLUMNS_SQL = `{${[...SPAN_COLUMNS, [PARTITION_COLUMN, 'string'] as const].map(([name, type]) => `'${name}': '${duckdbType(type)}'`).join(', ')}}`;

/** Appends rows to the Parquet table under `dir` (one folder a day, `dt=YYYY-MM-DD`). */
export async function writeSpanTable(parts: readonly PartitionedRows[], dir: string): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'hoptrace-rows-'));
  const file = join(scratch, 'rows.jsonl');
  let lines = '';
  let count = 0;
  for (const part of parts) {
    for (const row of part.rows) {
      lines += `${JSON.stringify({ ...row, [PARTITION_COLUMN]: part.partition })}\n`;
      count++;
    }
  }
  writeFileSync(file, lines);
  mkdirSync(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    await connection.run(
      `COPY (SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = ${COLUMNS_SQL})) TO '${dir.replaceAll("'", "''")}' (FORMAT parquet, PARTITION_BY (${PARTITION_COLUMN}), APPEND)`,
    );
  } finally {
    connection.closeSync();
    rmSync(scratch, { recursive: true, force: true });
  }
  return count;
}

/** A result row with plain values: whole numbers as numbers (the spans' microseconds fit a double exactly). */
export type PlainRow = Record<string, string | number | boolean | null>;

export interface SpanTable {
  /** Runs a named query (NAMED_QUERIES) with its positional parameters. */
  query(name: string, parameters: readonly string[]): Promise<Array<Record<string, unknown>>>;
  /** Runs any SQL on the view `otel_traces`, with positional parameters (`?`). */
  select(sql: string, parameters: ReadonlyArray<string | number>): Promise<PlainRow[]>;
  close(): void;
}

function plain(row: Record<string, unknown>): PlainRow {
  const out: PlainRow = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = typeof value === 'bigint' ? Number(value) : (value as PlainRow[string]);
  }
  return out;
}

/** Opens the Parquet table under `dir` as the view `otel_traces`. */
export async function openSpanTable(dir: string): Promise<SpanTable> {
  const db = await DuckDBInstance.create(':memory:');
  const connection: DuckDBConnection = await db.connect();
  await connection.run(
    `CREATE VIEW otel_traces AS SELECT * FROM read_parquet('${join(dir, '**', '*.parquet').replaceAll("'", "''")}', hive_partitioning = true, hive_types = {'${PARTITION_COLUMN}': VARCHAR})`,
  );
  return {
    async query(name, parameters) {
      const named = NAMED_QUERIES.find((q) => q.name === name);
      if (!named)
        throw new Error(`no named query "${name}"; there are: ${NAMED_QUERIES.map((q) => q.name).join(', ')}`);
      if (parameters.length !== named.parameters.length)
        throw new Error(`"${name}" takes ${named.parameters.length} parameter(s): ${named.parameters.join(', ')}`);
      const reader = await connection.runAndReadAll(renderQuery(named, 'duckdb', 'otel_traces'), [...parameters]);
      return reader.getRowObjectsJson() as Array<Record<string, unknown>>;
    },
    async select(sql, parameters) {
      const reader = await connection.runAndReadAll(sql, [...parameters]);
      return reader.getRowObjectsJS().map(plain);
    },
    close: () => connection.closeSync(),
  };
}
