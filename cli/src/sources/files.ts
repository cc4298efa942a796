import { closeSync, createReadStream, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CliError } from '../errors';
import { isGzip } from '../../../src/otlp/stream-record';
import type { RawRecord, Source } from './source';

// Above this size a plain (not gzip) file is read line by line, as the Collector's file
// exporter writes it, instead of whole: memory stays bounded whatever the file's size.
const WHOLE_FILE_MAX_BYTES = 32 * 1024 * 1024;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function startsWithGzip(fd: number): boolean {
  const head = Buffer.alloc(2);
  return isGzip(head.subarray(0, readSync(fd, head, 0, 2, 0)));
}

// Record files are small and read one after another: the synchronous calls cost a third of
// the asynchronous ones' round trips through the thread pool, and nothing else waits. One
// open serves the size check and the read (a stat by path besides cost a tenth of `stats`).
async function* fileRecords(path: string, wholeFileMaxBytes: number): AsyncGenerator<RawRecord> {
  const fd = openSync(path, 'r');
  let data: Buffer | undefined;
  try {
    if (fstatSync(fd).size <= wholeFileMaxBytes || startsWithGzip(fd)) data = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  if (data !== undefined) {
    yield { data, origin: `file ${path}` };
    return;
  }
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() !== '') yield { line, origin: `file ${path} line ${n}` };
  }
}

/** Ingest records or OTLP JSON from `--file` and `--dir` paths (a directory is read recursively, in name order). */
export async function fileSource(
  files: string[],
  dirs: string[],
  wholeFileMaxBytes = WHOLE_FILE_MAX_BYTES,
): Promise<Source> {
  const paths = [...files];
  for (const path of [...files, ...dirs]) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new CliError(`no such file or directory: ${path}`);
  }
  for (const dir of dirs) {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new CliError(`--dir ${dir} is not a directory`);
    paths.push(...(await filesUnder(dir)));
  }
  const description = [...files.map((f) => `file ${f}`), ...dirs.map((d) => `directory ${d}`)].join(', ');
  return {
    description,
    async *records() {
      for (const path of paths) yield* fileRecords(path, wholeFileMaxBytes);
    },
  };
}
