import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { median } from './stats';
import { PROBES, type Variant, type VariantName } from './variants';

export interface ColdResult {
  bytes: number;
  gzipBytes: number;
  /** Process start to handler loaded. */
  initMs: number;
  /** What the variant adds to init over the bare handler. */
  initAddedMs: number;
  firstInvocationMs: number;
  rssMb: number;
}

interface Sample {
  preloadMs: number;
  requireMs: number;
  firstMs: number;
  rss: number;
}

/**
 * `runs` cold starts per variant, each in a fresh process, variants interleaved so machine
 * noise hits them alike; the first two rounds warm the file cache and are discarded. With
 * `garbage`, the handler also makes that many short-lived objects of its own.
 */
export function coldStart(variants: Variant[], runs: number, garbage = 0): Record<VariantName, ColdResult> {
  const samples = new Map<VariantName, Sample[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < runs + 2; round++) {
    for (const v of variants) {
      const out = execFileSync(
        process.execPath,
        [...v.nodeArgs, resolve(PROBES, 'cold.cjs'), v.module, String(garbage)],
        {
          env: { PATH: process.env.PATH, AWS_LAMBDA_FUNCTION_NAME: 'bench', AWS_REGION: 'us-east-1', ...v.env },
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      if (round >= 2) samples.get(v.name)!.push(JSON.parse(out.toString()) as Sample);
    }
  }
  const results = {} as Record<VariantName, ColdResult>;
  const bare = samples.get('bare')!;
  const barePreload = median(bare.map((x) => x.preloadMs));
  const bareRequire = median(bare.map((x) => x.requireMs));
  for (const v of variants) {
    const code = readFileSync(v.bundle);
    const s = samples.get(v.name)!;
    const preload = median(s.map((x) => x.preloadMs));
    const load = median(s.map((x) => x.requireMs));
    // Node's start-up jitters by a millisecond: only a variant that preloads (--require) is
    // charged the difference in start-up; the others differ only in loading the handler.
    const addedPreload = v.nodeArgs.length > 0 ? preload - barePreload : 0;
    results[v.name] = {
      bytes: code.length,
      gzipBytes: gzipSync(code).length,
      initMs: preload + load,
      initAddedMs: load - bareRequire + addedPreload,
      firstInvocationMs: median(s.map((x) => x.firstMs)),
      rssMb: median(s.map((x) => x.rss)) / 2 ** 20,
    };
  }
  return results;
}
