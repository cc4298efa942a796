import { afterEach, describe, expect, it } from 'vitest';
import type { OtlpExporter } from '../../../../src/exporter/exporter';
import { awakeMs } from '../../../../src/lambda/awake-clock';
import { publishExtensionState, type LambdaExtension } from '../../../../src/lambda/handoff';
import { SandboxBatch } from '../../../../src/lambda/sandbox-batch';

// The awake clock, by which an export's request times out: it stops while the extension waits
// in next, as Lambda freezes the sandbox then, but only while nothing else of the process runs.

afterEach(() => {
  Reflect.deleteProperty(globalThis, Symbol.for('hoptrace.lambda.extension'));
});

/** An extension that lets every invocation go unclaimed, and whose time in next the test moves on. */
function extensionInNext(): { extension: LambdaExtension; waitInNext: (ms: number) => void } {
  let asleep = 0;
  const extension: LambdaExtension = {
    attach: () => undefined,
    claim: () => false,
    afterResponse: () => undefined,
    asleepMs: () => asleep,
    onShutdown: () => undefined,
  };
  publishExtensionState({ extension });
  return { extension, waitInNext: (ms) => void (asleep += ms) };
}

const exporter = {
  spooledBytes: () => 0,
  journaledBytes: () => 0,
  persist: () => true,
  drainSpool: () => Promise.resolve(),
} as unknown as OtlpExporter;

describe('the awake clock', () => {
  it('stops while the extension waits in next', () => {
    const { waitInNext } = extensionInNext();
    const before = awakeMs();
    waitInNext(60_000);
    expect(awakeMs()).toBeLessThan(before);
  });

  it('runs through an invocation the extension let go unclaimed, though it waits in next, and stops again once it is done', async () => {
    const { extension, waitInNext } = extensionInNext();
    const batch = new SandboxBatch(exporter, extension, {
      intervalMs: 60_000,
      maxBytes: 1 << 20,
      requestTimeoutMs: 100,
    });
    batch.begin('unclaimed');
    const started = awakeMs();
    // The runtime runs the handler meanwhile: the sandbox cannot be frozen.
    waitInNext(60_000);
    expect(awakeMs()).toBeGreaterThanOrEqual(started);
    await batch.deliver({ requestId: 'unclaimed', spans: [], deadlineMs: () => Date.now() + 100, pending: [] });
    const done = awakeMs();
    waitInNext(60_000);
    expect(awakeMs()).toBeLessThan(done);
  });
});
