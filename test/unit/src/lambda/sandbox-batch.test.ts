import { describe, expect, it } from 'vitest';
import type { OtlpExporter } from '../../../../src/exporter/exporter';
import type { LambdaExtension } from '../../../../src/lambda/handoff';
import { SandboxBatch } from '../../../../src/lambda/sandbox-batch';

// When hoptrace/lambda's batch waits for an export, against fake exporters: the shutdown's, when a
// background drain (one attempt) is already under way and fails; and the size bound's.

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
    journaledBytes: () => 0,
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
    await batch.exportNow(Date.now() + 1_000, { last: true });
    expect(calls).toEqual([
      { background: true, last: false },
      { background: false, last: true },
    ]);
    expect(exporter.spooledBytes()).toBe(0);
  });
});

/** A spool holding an outage's backlog, to which each invocation adds `bytesPerInvocation`; drains leave it as it is. */
function exporterWithBacklog(
  backlogBytes: number,
  bytesPerInvocation: number,
): { exporter: OtlpExporter; calls: DrainCall[] } {
  let journaled = 0;
  const calls: DrainCall[] = [];
  const fake = {
    spooledBytes: () => backlogBytes + journaled,
    journaledBytes: () => journaled,
    drainingSpool: () => false,
    persist: () => {
      journaled += bytesPerInvocation;
      return true;
    },
    drainSpool(_deadline: () => number, options: { background?: boolean; last?: boolean } = {}) {
      calls.push({ background: options.background ?? false, last: options.last ?? false });
      return Promise.resolve();
    },
  };
  return { exporter: fake as unknown as OtlpExporter, calls };
}

describe("hoptrace/lambda's size bound", () => {
  it('counts the bytes of its own batch, not the backlog an outage left: frequent invocations do not wait on a dead ingest', async () => {
    const { exporter, calls } = exporterWithBacklog(10 * 1024 * 1024, 100);
    let work: Promise<void> = Promise.resolve();
    const holding: LambdaExtension = { ...extension, afterResponse: (_requestId, run) => void (work = run()) };
    const batch = new SandboxBatch(exporter, holding, { intervalMs: 60_000, maxBytes: 1000, requestTimeoutMs: 100 });
    let n = 0;
    const invoke = async (): Promise<void> => {
      const requestId = `request ${n++}`;
      batch.begin(requestId);
      await batch.deliver({ requestId, spans: [], deadlineMs: () => Date.now() + 100, pending: [] });
      await work;
    };
    // Sporadic at first: each of these waits for an export.
    for (let i = 0; i < 3; i++) await invoke();
    expect(calls).toHaveLength(3);
    calls.length = 0;
    // Frequent from now on: within the interval and under 1000 bytes of its own, nothing waits.
    for (let i = 0; i < 9; i++) await invoke();
    expect(calls).toEqual([]);
    await invoke();
    expect(calls).toEqual([{ background: false, last: false }]);
  });
});
