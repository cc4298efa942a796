import type { OtlpExporter } from '../exporter/exporter';
import { logger } from '../logger';
import type { SpanRecorder } from '../tracer/recorder';
import type { RecordingSpan } from '../tracer/span';
import { SpanBatcher } from './batcher';
import { extensionState } from './handoff';
import { MULTI_CONCURRENT } from './request-data';

/** What an invocation hands over when it ends. */
export interface Handover {
  readonly requestId: string | undefined;
  readonly spans: RecordingSpan[];
  /** When the export must give up (epoch ms), computed when it starts. */
  readonly deadlineMs: () => number;
  /** Other work of the invocation (the spool's resend, a timeout's flush) to wait for with the export. */
  readonly pending: ReadonlyArray<Promise<void> | undefined>;
}

/**
 * How an invocation's spans leave: the export strategy. The wrapper awaits `deliver` before
 * it returns the handler's result.
 */
export interface Delivery {
  readonly name: 'before-return' | 'after-response' | 'background';
  deliver(handover: Handover): Promise<void>;
}

const BATCH = { maxSpans: 512, maxAgeMs: 1000 };

function exportAll(exporter: OtlpExporter, handover: Handover): Promise<void> {
  return Promise.all([...handover.pending, exporter.export(handover.spans, handover.deadlineMs())]).then(() => undefined);
}

/**
 * The strategy for this process: in background batches on Managed Instances; after the
 * response when `hoptrace/lambda` registered its extension; before the return otherwise
 * (said once, with why, when the extension was asked for or a Lambda runtime runs us).
 */
export function chooseDelivery(exporter: OtlpExporter, sandboxRecorder: SpanRecorder, timeoutMs: number, inLambdaRuntime: boolean): Delivery {
  if (MULTI_CONCURRENT) {
    const batcher = new SpanBatcher(exporter, { ...BATCH, timeoutMs });
    // Loaded here only: its worker_threads and crypto would cost every other cold start.
    void import('./shutdown-channel').then(({ joinShutdown }) =>
      joinShutdown(async (deadlineMs) => {
        batcher.add(sandboxRecorder.drain());
        await Promise.all([batcher.flush(deadlineMs), exporter.drainSpool(() => deadlineMs)]);
      }),
    );
    return { name: 'background', deliver: async (handover) => batcher.add(handover.spans) };
  }
  const state = extensionState();
  if (!state || 'reason' in state) {
    if (state || inLambdaRuntime) {
      const why = state ? state.reason : "hoptrace/lambda was not loaded (import it first, or NODE_OPTIONS='--import hoptrace/lambda')";
      logger.warnOnce('delivery', `exporting before each invocation returns, which delays the response: ${why}.`);
    }
    return { name: 'before-return', deliver: (handover) => exportAll(exporter, handover) };
  }
  const { extension } = state;
  extension.onShutdown(async (deadlineMs) => {
    await Promise.all([exporter.export(sandboxRecorder.drain(), deadlineMs), exporter.drainSpool(() => deadlineMs)]);
  });
  extension.attach();
  return {
    name: 'after-response',
    deliver: async (handover) => extension.afterResponse(handover.requestId, () => exportAll(exporter, handover)),
  };
}
