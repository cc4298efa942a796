import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROBES, type Variant, type VariantName } from './variants';

/** Instructions of a cold start's init (process start to the handler module loaded), by variant. */
export type InitInstructions = Partial<Record<VariantName, number>>;

/** Whether valgrind is installed: without it the figure is left out, and the bench says so. */
export function hasValgrind(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The builtins the runtime client has loaded before the handler, as a preload (see the file). */
export const RUNTIME_CLIENT_BUILTINS = resolve(PROBES, 'runtime-client-builtins.mjs');

/**
 * The instructions Node runs from its start to the handler module loaded, counted by
 * valgrind's callgrind: on a shared machine a count repeats where a time does not. V8 runs
 * with --predictable (no concurrent compiler or GC threads, every step on the main thread)
 * and fixed seeds, so one run gives the figure to a few thousand instructions. `preload`:
 * a module every variant loads first (--import), such as RUNTIME_CLIENT_BUILTINS.
 */
export function initInstructions(variants: Variant[], preload?: string): InitInstructions {
  const dir = mkdtempSync(join(tmpdir(), 'hoptrace-callgrind-'));
  const counts: InitInstructions = {};
  try {
    for (const v of variants) {
      const out = join(dir, `${v.name}.out`);
      execFileSync(
        'valgrind',
        [
          '--tool=callgrind',
          `--callgrind-out-file=${out}`,
          process.execPath,
          '--predictable',
          '--hash-seed=1',
          '--random-seed=1',
          ...(preload ? ['--import', preload] : []),
          ...v.nodeArgs,
          resolve(PROBES, 'load.cjs'),
          v.module,
        ],
        {
          env: { PATH: process.env.PATH, AWS_LAMBDA_FUNCTION_NAME: 'bench', AWS_REGION: 'us-east-1', ...v.env },
          stdio: 'ignore',
        },
      );
      const summary = /^summary: (\d+)$/m.exec(readFileSync(out, 'utf8'));
      if (!summary) throw new Error(`callgrind wrote no summary for ${v.name}`);
      counts[v.name] = Number(summary[1]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return counts;
}
