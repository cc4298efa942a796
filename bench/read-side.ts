import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { analyze } from '../cli/src/analyze';
import { fileSource } from '../cli/src/sources/files';
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
 * million spans analysed in a fresh process, its peak RSS set against the OTLP JSON it read.
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
        for (const file of files) parsed += (JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { resourceSpans: unknown[] }).resourceSpans.length;
      });
      if (run > 0) analysed.push(a), bound.push(b);
    }
    if (parsed === 0) throw new Error('the bound read nothing');

    const million = join(dir, 'million');
    const { jsonBytes } = writeRecordFiles(million, quick ? 10_000 : 50_000, 20);
    const out = execFileSync(process.execPath, [`${ROOT}node_modules/tsx/dist/cli.mjs`, `${ROOT}bench/read-memory.ts`, million], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const memory = JSON.parse(out) as { spans: number; peakRss: number; baselineRss: number };
    return {
      spansPerSecond: spans / median(analysed),
      boundSpansPerSecond: spans / median(bound),
      millionSpans: memory.spans,
      peakRssMb: memory.peakRss / 2 ** 20,
      baselineRssMb: memory.baselineRss / 2 ** 20,
      jsonMb: jsonBytes / 2 ** 20,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
