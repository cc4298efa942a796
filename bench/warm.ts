import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { nearestRank, sortedCopy } from '../cli/src/analysis/percentiles';
import { median } from './stats';
import { PROBES, type Variant } from './variants';

export interface WarmResult {
  wallMs: number;
  wallP99Ms: number;
  cpuUs: number;
  afterHandlerMs: number;
}

/**
 * Warm invocations (`spans` child spans each, flushed to the receiver in another process),
 * in `repeats` fresh processes per variant, interleaved; the median of their figures.
 */
export function warm(
  variants: Variant[],
  spans: number,
  count: number,
  warmup: number,
  repeats: number,
): Record<string, WarmResult> {
  const runs = new Map<string, WarmResult[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < repeats; r++) {
    for (const v of variants) {
      const out = execFileSync(
        process.execPath,
        [...v.nodeArgs, resolve(PROBES, 'warm.cjs'), v.module, String(warmup), String(count), String(spans)],
        {
          env: { PATH: process.env.PATH, AWS_LAMBDA_FUNCTION_NAME: 'bench', AWS_REGION: 'us-east-1', ...v.env },
          stdio: ['ignore', 'pipe', 'ignore'],
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      const probe = JSON.parse(out.toString()) as { wallMs: number[]; cpuUs: number; afterHandlerMs: number[] };
      runs.get(v.name)!.push({
        wallMs: median(probe.wallMs),
        wallP99Ms: nearestRank(sortedCopy(probe.wallMs), 99),
        cpuUs: probe.cpuUs,
        afterHandlerMs: median(probe.afterHandlerMs),
      });
    }
  }
  const results: Record<string, WarmResult> = {};
  for (const [name, list] of runs) {
    results[name] = {
      wallMs: median(list.map((x) => x.wallMs)),
      wallP99Ms: median(list.map((x) => x.wallP99Ms)),
      cpuUs: median(list.map((x) => x.cpuUs)),
      afterHandlerMs: median(list.map((x) => x.afterHandlerMs)),
    };
  }
  return results;
}
