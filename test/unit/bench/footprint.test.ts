import { describe, expect, it } from 'vitest';
import type { ColdResult } from '../../../bench/cold-start';
import { footprintRows } from '../../../bench/footprint';
import type { VariantName } from '../../../bench/variants';
import type { WarmResult } from '../../../bench/warm';

const coldOf = (bytes: number, initAddedMs: number): ColdResult => ({
  bytes,
  gzipBytes: 0,
  initMs: 0,
  initAddedMs,
  firstInvocationMs: 0,
  rssMb: 0,
});
const cold = {
  bare: coldOf(1, 0),
  'bare-post': coldOf(1, 0),
  hoptrace: coldOf(75, 8),
  'otel-sdk': coldOf(300, 62),
  'otel-auto': coldOf(3000, 900),
} as Record<VariantName, ColdResult>;
const warmOf = (cpuUs: number): WarmResult => ({ wallMs: 0, wallP99Ms: 0, cpuUs, afterHandlerMs: 0 });
const warm = { bare: warmOf(30), 'bare-post': warmOf(400), hoptrace: warmOf(600), 'otel-sdk': warmOf(700) };
const UNDER_CLIENT =
  'init instructions added over bare, the builtins the runtime client loads before the handler already loaded (millions, callgrind)';

describe('the footprint rows', () => {
  it('give init instructions from a bare Node as the target, and after the runtime client builtins as context', () => {
    const rows = footprintRows(
      cold,
      warm,
      { bare: 92.7e6, hoptrace: 116.8e6, 'otel-sdk': 332.8e6 },
      { bare: 168.2e6, hoptrace: 191.1e6, 'otel-sdk': 378.1e6 },
    );
    const alone = rows.find((r) => r.figure === 'init instructions added over bare (millions, callgrind)')!;
    expect(alone).toMatchObject({ hoptrace: '24.1', reference: '240.1', target: '≤ 1/10', met: false });
    const underClient = rows.find((r) => r.figure === UNDER_CLIENT)!;
    expect(underClient).toMatchObject({ hoptrace: '22.9', reference: '209.9', target: '(context)' });
    expect(underClient.ratio).toBeCloseTo(22.9 / 209.9, 3);
  });

  it('leave out a count valgrind did not make', () => {
    const figures = footprintRows(cold, warm, { bare: 1, hoptrace: 2, 'otel-sdk': 3 }).map((r) => r.figure);
    expect(figures).toContain('init instructions added over bare (millions, callgrind)');
    expect(figures).not.toContain(UNDER_CLIENT);
  });
});
