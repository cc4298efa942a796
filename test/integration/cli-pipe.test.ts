import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../unit/cli/traces';

// The command as a shell runs it in a pipeline: the reader (`head -1`) goes away after the
// first line, and the command must stop quietly, not print an EPIPE stack trace and fail.

const BIN = fileURLToPath(new URL('../../node_modules/.bin/hoptrace', import.meta.url));
let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-pipe-'));
  file = join(dir, 'spans.jsonl');
  // Far more output than a pipe's buffer holds, so writes go on after the reader has gone.
  const lines = Array.from({ length: 3000 }, (_, i) =>
    JSON.stringify(request([{ trace: i + 1, id: 1, name: `GET /items/${i}`, start: i, end: i + 5, kind: 2 }])),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hoptrace in a pipeline', { timeout: 60_000 }, () => {
  it('stops quietly (exit 0, nothing on stderr) when the reader closes the pipe', async () => {
    const child = spawn(process.execPath, [BIN, 'traces', '--json', '--limit', '3000', '--file', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // As `head -1` does: read the first chunk, then close the read end.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
