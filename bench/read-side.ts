import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { analyze } from '../cli/src/analyze';
import { writeSpanTable, type PartitionedRows } from '../cli/src/archive/duckdb-table';
import { fileSource } from '../cli/src/sources/files';
import { partitionOf, spanRows } from '../span-table/rows';
import type { OtlpExportRequest } from '../src/otlp/types';
import { writeRecordFiles } from './read-records';
import { median } from './stats';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ReadSideResult {
  spansPerSecond: number;
  boundSpansPerSecond: number;
  millionSpans: number;
  peakRssMb: number;
  baselineRssMb: number;
  jsonMb: number;
  /** `stats` on the million spans: from record files, and from the Parquet span table (`--archive`). */
  archive: {
    spans: number;
    filesWallMs: number;
    filesPeakRssMb: number;
    archiveWallMs: number;
    archivePeakRssMb: number;
    parquetMb: number;
  };
}

interface ChildRun {
  spans: number;
  wallMs: number;
  peakRss: number;
}

/** `hoptrace stats` with this source flag, in a fresh process. */
function statsRun(flag: '--archive' | '--dir', dir: string): ChildRun {
  const out = execFileSync(
    process.execPath,
    [`${ROOT}node_modules/tsx/dist/cli.mjs`, `${ROOT}bench/read-archive.ts`, flag, dir],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(out) as ChildRun;
}

/** The record files under `records` as the span table under `table`, as the Firehose transformation makes its rows. */
async function recordsToTable(records: string, table: string): Promise<void> {
  let parts: PartitionedRows[] = [];
  let rows = 0;
  for (const file of filesUnder(records).sort()) {
    const part = spanRows(JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as OtlpExportRequest);
    parts.push({ partition: partitionOf(part), rows: part });
    rows += part.length;
    // In slices: the writer stages its rows as one JSON-lines string.
    if (rows >= 100_000) {
      await writeSpanTable(parts, table);
      parts = [];
      rows = 0;
    }
  }
  if (parts.length > 0) await writeSpanTable(parts, table);
}

function bytesUnder(dir: string): number {
  return filesUnder(dir).reduce((sum, file) => sum + statSync(file).size, 0);
}

function cpuSeconds(work: () => unknown): Promise<number> {
  const start = process.cpuUsage();
  return Promise.resolve(work()).then(() => {
    const cpu = process.cpuUsage(start);
    return (cpu.user + cpu.system) / 1e6;
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/**
 * The read side on record files as the ingest writes them. Throughput: `hoptrace stats`'s
 * whole analysis (read, decode, de-duplicate, group, stats and map) in spans per CPU second,
 * against the bound of reading the same files through gunzip + JSON.parse alone. Memory: a
 * million spans analysed in a fresh process, its peak RSS set against the OTLP JSON it read;
 * then `stats` on the same million spans from the Parquet span table (`--archive`, DuckDB)
 * against from the record files, each in a fresh process: wall time and peak RSS.
 */
export async function readSide(quick: boolean): Promise<ReadSideResult> {
  const dir = mkdtempSync(join(tmpdir(), 'hoptrace-bench-read-'));
  try {
    const small = join(dir, 'throughput');
    writeRecordFiles(small, quick ? 2000 : 10_000, 10);
    const source = await fileSource([], [small]);
    const files = filesUnder(small);
    let spans = 0;
    let parsed = 0;
    const analysed: number[] = [];
    const bound: number[] = [];
    // Alternating runs after a warm-up of each, medians: the machine is shared.
    for (let run = 0; run <= (quick ? 1 : 3); run++) {
      const a = await cpuSeconds(async () => {
        spans = (await analyze(source)).counts.spans;
      });
      const b = await cpuSeconds(() => {
        for (const file of files)
          parsed += (JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { resourceSpans: unknown[] })
            .resourceSpans.length;
      });
      if (run > 0) analysed.push(a), bound.push(b);
    }
    if (parsed === 0) throw new Error('the bound read nothing');

    const million = join(dir, 'million');
    const { jsonBytes } = writeRecordFiles(million, quick ? 10_000 : 50_000, 20);
    const out = execFileSync(
      process.execPath,
      [`${ROOT}node_modules/tsx/dist/cli.mjs`, `${ROOT}bench/read-memory.ts`, million],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const memory = JSON.parse(out) as { spans: number; peakRss: number; baselineRss: number };
    const table = join(dir, 'span-table');
    await recordsToTable(million, table);
    const fromFiles = statsRun('--dir', million);
    const archived = statsRun('--archive', table);
    if (archived.spans !== fromFiles.spans)
      throw new Error(`--archive counted ${archived.spans} spans, the record files ${fromFiles.spans}`);
    return {
      spansPerSecond: spans / median(analysed),
      boundSpansPerSecond: spans / median(bound),
      millionSpans: memory.spans,
      peakRssMb: memory.peakRss / 2 ** 20,
      baselineRssMb: memory.baselineRss / 2 ** 20,
      jsonMb: jsonBytes / 2 ** 20,
      archive: {
        spans: archived.spans,
        filesWallMs: fromFiles.wallMs,
        filesPeakRssMb: fromFiles.peakRss / 2 ** 20,
        archiveWallMs: archived.wallMs,
        archivePeakRssMb: archived.peakRss / 2 ** 20,
        parquetMb: bytesUnder(table) / 2 ** 20,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
