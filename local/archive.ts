import { rmSync } from 'node:fs';
import { table } from '../cli/src/render/text';
import { openSpanTable, writeSpanTable, type PartitionedRows } from '../cli/src/archive/duckdb-table';
import { NAMED_QUERIES } from '../span-table/queries';
import type { SpanRow } from '../span-table/rows';
import type { FirehoseTransformationEvent, TransformedRecord } from '../handlers/archive/transform';
import type { StoredRecord } from './kinesis';

// The demo's span table: the stream's records through the archive function, invoked as
// Firehose invokes it in AWS, written as the date-partitioned Parquet Firehose would write,
// then the archive's named queries on the embedded engine.

// As the deployed Firehose processor buffers (infra/archive.yml): about half a megabyte of
// records per invocation of the transformation.
const BATCH_BYTES = 512 * 1024;

/** Records grouped as Firehose hands them to the transformation. */
export function firehoseBatches(records: readonly StoredRecord[]): StoredRecord[][] {
  const out: StoredRecord[][] = [[]];
  let bytes = 0;
  for (const record of records) {
    if (bytes + record.data.length > BATCH_BYTES && out.at(-1)!.length > 0) {
      out.push([]);
      bytes = 0;
    }
    out.at(-1)!.push(record);
    bytes += record.data.length;
  }
  return out;
}

export interface LocalArchive {
  rows: number;
  failedRecords: number;
  /** Each named query's rows, by name. */
  answers: Array<{ name: string; description: string; rows: Array<Record<string, unknown>> }>;
}

/** The archive function, as Firehose calls it. */
export type Transformation = (event: FirehoseTransformationEvent) => Promise<unknown>;

/** Writes the span table under `dir` (replacing it) from the stream's records, and asks it the named questions. */
export async function writeLocalArchive(records: readonly StoredRecord[], dir: string, transformation: Transformation, since: string): Promise<LocalArchive> {
  rmSync(dir, { recursive: true, force: true });
  const parts: PartitionedRows[] = [];
  let failedRecords = 0;
  for (const batch of firehoseBatches(records)) {
    const out = (await transformation({ records: batch.map((r, i) => ({ recordId: String(i), data: r.data.toString('base64') })) })) as { records: TransformedRecord[] };
    for (const r of out.records) {
      if (r.result === 'ProcessingFailed') failedRecords++;
      if (r.result !== 'Ok') continue;
      const rows = Buffer.from(r.data, 'base64').toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as SpanRow);
      parts.push({ partition: r.metadata!.partitionKeys.dt!, rows });
    }
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
