import { createReadStream, readFileSync, statSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
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

async function startsWithGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return isGzip(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

// Record files are small and read one after another: the synchronous calls cost a third of
// the asynchronous ones' round trips through the thread pool, and nothing else waits.
async function* fileRecords(path: string, wholeFileMaxBytes: number): AsyncGenerator<RawRecord> {
  const { size } = statSync(path);
  if (size > wholeFileMaxBytes && !(await startsWithGzip(path))) {
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (line.trim() !== '') yield { line, origin: `file ${path} line ${n}` };
    }
    return;
  }
  yield { data: readFileSync(path), origin: `file ${path}` };
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
