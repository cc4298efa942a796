import { describe, expect, it } from 'vitest';
import type { OtlpExporter } from '../../src/exporter/exporter';
import type { LambdaExtension } from '../../src/lambda/handoff';
import { SandboxBatch } from '../../src/lambda/sandbox-batch';

// The shutdown's export, when a background drain (one attempt) is already under way and fails.

interface DrainCall {
  background: boolean;
  last: boolean;
}

/** A spool of one body behind an exporter whose background sends fail and whose others succeed. */
function exporterWithFailingBackground(): { exporter: OtlpExporter; calls: DrainCall[] } {
  let bytes = 100;
  let running: Promise<void> | undefined;
  const calls: DrainCall[] = [];
  const fake = {
    spooledBytes: () => bytes,
    drainingSpool: () => running !== undefined,
    drainSpool(_deadline: () => number, options: { background?: boolean; last?: boolean } = {}) {
      if (running) return running;
      calls.push({ background: options.background ?? false, last: options.last ?? false });
      running = new Promise<void>((resolve) => setTimeout(resolve, 5)).then(() => {
        if (!options.background) bytes = 0;
        running = undefined;
      });
      return running;
    },
  };
  return { exporter: fake as unknown as OtlpExporter, calls };
}

const extension: LambdaExtension = {
  attach: () => undefined,
  claim: () => true,
  afterResponse: () => undefined,
  asleepMs: () => 0,
  onShutdown: () => undefined,
};

describe("hoptrace/lambda's batch", () => {
  it('at shutdown, sends with a drain of its own after joining a background one that failed', async () => {
    const { exporter, calls } = exporterWithFailingBackground();
    const batch = new SandboxBatch(exporter, extension, { intervalMs: 0, maxBytes: 1 << 20, requestTimeoutMs: 100 });
    batch.begin(undefined);
    expect(calls).toEqual([{ background: true, last: false }]);
    await batch.exportNow(Date.now() + 1_000, true);
    expect(calls).toEqual([
      { background: true, last: false },
      { background: false, last: true },
    ]);
    expect(exporter.spooledBytes()).toBe(0);
  });
});
