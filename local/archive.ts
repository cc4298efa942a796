import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { table } from '../cli/src/render/text';
import { openSpanTable } from '../cli/src/archive/duckdb-table';
import { NAMED_QUERIES } from '../span-table/queries';
import { startEventSource, type StreamHandler } from '../testing/event-source';

// The demo's span table: the stream's batches through the archive function, handed over as
// the event source mapping hands them in AWS, written by it as date-partitioned Parquet into
// the S3 stand-in's folder of the bucket (spans/dt=YYYY-MM-DD/), then the archive's named
// queries on the embedded engine.

export interface LocalArchive {
  /** The span table's folder: `<bucket folder>/spans`, what `hoptrace --archive` reads. */
  dir: string;
  rows: number;
  failedRecords: number;
  /** Each named query's rows, by name. */
  answers: Array<{ name: string; description: string; rows: Array<Record<string, unknown>> }>;
}

/** Lines in the files under `dir`: the records kept under errors/ (none written when every record was read). */
function linesUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  let lines = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()))
    lines += readFileSync(join(entry.parentPath, entry.name), 'utf8').split('\n').filter(Boolean).length;
  return lines;
}

/**
 * Writes the span table into `bucketDir` (replacing what was there) from every record of the
 * stream, through `archive` (the archive function), and asks it the named questions.
 */
export async function writeLocalArchive(
  kinesis: KinesisClient,
  stream: string,
  bucketDir: string,
  archive: StreamHandler,
  since: string,
): Promise<LocalArchive> {
  rmSync(bucketDir, { recursive: true, force: true });
  const mapping = await startEventSource(kinesis, stream, archive, { batchSize: 500 });
  await mapping.idle();
  await mapping.stop();
  const dir = join(bucketDir, 'spans');
  const failedRecords = linesUnder(join(bucketDir, 'errors'));
  const spanTable = await openSpanTable(dir);
  try {
    const [count] = await spanTable.select('SELECT count(*) AS n FROM otel_traces', []);
    const answers: LocalArchive['answers'] = [];
    for (const query of NAMED_QUERIES.filter((q) => q.name !== 'trace-by-id')) {
      answers.push({
        name: query.name,
        description: query.description,
        rows: await spanTable.query(query.name, [since]),
      });
    }
    return { dir, rows: Number(count!.n), failedRecords, answers };
  } finally {
    spanTable.close();
  }
}

/** Query rows as an aligned text table, indented under its heading. */
export function formatRows(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return '  (no rows)';
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) => columns.map((c) => (row[c] === null || row[c] === undefined ? '' : String(row[c]))));
  return table(columns, cells).replace(/^/gm, '  ');
}
