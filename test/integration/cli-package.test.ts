import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { record, traceId } from '../unit/cli/traces';

// The command as a user gets it from the packed package: built JavaScript, no tsx, no
// TypeScript sources; its dependencies installed beside it.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
let dir: string;
let files: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-cli-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: join(ROOT, 'cli'),
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = packed!.files.map((f) => f.path).sort();
  await run('tar', ['-xzf', join(dir, packed!.filename), '-C', dir]);
  // What `npm install` would put beside it: the package's own dependencies.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  mkdirSync(join(dir, 'records'));
  writeFileSync(join(dir, 'records', 'r1'), record([{ id: 1, name: 'POST /orders', start: 0, end: 40, kind: 2 }]));
  writeFileSync(
    join(dir, 'records', 'r2'),
    record([{ trace: 2, id: 1, name: 'POST /orders', start: 100, end: 190, kind: 2 }]),
  );
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed hoptrace-cli package', () => {
  it('holds the bin and the built command only, and leaves no build behind in the checkout', () => {
    expect(files).toEqual(['bin/hoptrace.mjs', 'dist/hoptrace.mjs', 'package.json']);
    expect(existsSync(join(ROOT, 'cli', 'dist'))).toBe(false);
  });

  it('runs from its built JavaScript', async () => {
    const { stdout } = await run(
      process.execPath,
      [join(dir, 'package', 'bin', 'hoptrace.mjs'), 'traces', '--json', '--dir', join(dir, 'records')],
      { env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(JSON.parse(stdout)).toEqual([
      expect.objectContaining({ rootName: 'POST /orders', spanCount: 1, durationMs: 90 }),
      expect.objectContaining({ rootName: 'POST /orders', spanCount: 1, durationMs: 40 }),
    ]);
    // compare <trace>: the other trace of the operation is its typical one.
    const compared = await run(
      process.execPath,
      [join(dir, 'package', 'bin', 'hoptrace.mjs'), 'compare', traceId(1), '--json', '--dir', join(dir, 'records')],
      { env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(JSON.parse(compared.stdout)).toMatchObject({
      b: { traceId: traceId(2) },
      matched: 1,
      changed: [{ name: 'POST /orders', aMs: 40, bMs: 90, deltaMs: 50, ratio: 2.25 }],
    });
  }, 60_000);
});
