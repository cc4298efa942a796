import { readdir, stat } from 'node:fs/promises';
import { CliError } from '../errors';
import type { ArchiveEngine } from './archive-read';
import { openSpanTable } from './duckdb-table';

/** The view `openSpanTable` reads the Parquet files through. */
export const LOCAL_TABLE = 'otel_traces';

async function holdsParquet(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.some((entry) => entry.isFile() && entry.name.endsWith('.parquet'));
}

/** `--archive PATH`: the date-partitioned Parquet span table in a folder, on DuckDB. */
export async function localArchive(dir: string): Promise<ArchiveEngine> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new CliError(`--archive ${dir}: no such folder`);
  if (!info.isDirectory())
    throw new CliError(
      `--archive ${dir} is not a folder (give the span table's folder, which holds dt=YYYY-MM-DD/…parquet)`,
    );
  if (!(await holdsParquet(dir)))
    throw new CliError(
      `--archive ${dir}: no Parquet files in it (the span table is dt=YYYY-MM-DD/…parquet, as npm start and the archive function write it)`,
    );
  const table = await openSpanTable(dir);
  return {
    description: `archive ${dir}`,
    select: ({ sql, parameters }) => table.select(sql, parameters),
    close: () => table.close(),
  };
}
