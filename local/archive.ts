import { rmSync } from 'node:fs';
import { table } from '../cli/src/render/text';
import { openSpanTable, writeSpanTable, type PartitionedRows } from '../cli/src/archive/duckdb-table';
import { NAMED_QUERIES } from '../span-table/queries';
import type { FirehoseTransformationEvent, TransformedRecord } from '../handlers/archive/transform';
import { answeredRows, firehoseEvents } from '../testing/firehose';
import type { StoredRecord } from '../testing/kinesis';

// The demo's span table: the stream's records through the archive function, invoked as
// Firehose invokes it in AWS, written as the date-partitioned Parquet Firehose would write,
// then the archive's named queries on the embedded engine.

export interface LocalArchive {
  rows: number;
  failedRecords: number;
  /** Each named query's rows, by name. */
  answers: Array<{ name: string; description: string; rows: Array<Record<string, unknown>> }>;
}

/** The archive function, as Firehose calls it. */
export type Transformation = (event: FirehoseTransformationEvent) => Promise<unknown>;

/** Writes the span table under `dir` (replacing it) from the stream's records, and asks it the named questions. */
export async function writeLocalArchive(
  records: readonly StoredRecord[],
  dir: string,
  transformation: Transformation,
  since: string,
): Promise<LocalArchive> {
  rmSync(dir, { recursive: true, force: true });
  const parts: PartitionedRows[] = [];
  let failedRecords = 0;
  for (const event of firehoseEvents(records)) {
    const { records: answer } = (await transformation(event)) as { records: TransformedRecord[] };
    failedRecords += answer.filter((r) => r.result === 'ProcessingFailed').length;
    parts.push(...answeredRows(answer));
  }
  const rows = await writeSpanTable(parts, dir);
  const table = await openSpanTable(dir);
  try {
    const answers: LocalArchive['answers'] = [];
    for (const query of NAMED_QUERIES.filter((q) => q.name !== 'trace-by-id')) {
      answers.push({ name: query.name, description: query.description, rows: await table.query(query.name, [since]) });
    }
    return { rows, failedRecords, answers };
  } finally {
    table.close();
  }
}

/** Query rows as an aligned text table, indented under its heading. */
export function formatRows(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return '  (no rows)';
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) => columns.map((c) => (row[c] === null || row[c] === undefined ? '' : String(row[c]))));
  return table(columns, cells).replace(/^/gm, '  ');
}
