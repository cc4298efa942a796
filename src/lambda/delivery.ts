import type { OtlpExporter } from '../exporter/exporter';
import { logger } from '../logger';
import type { SpanRecorder } from '../tracer/recorder';
import type { RecordingSpan } from '../tracer/span';
import { nowMs } from '../tracer/time';
import { SpanBatcher } from './batcher';
import { extensionState, type LambdaExtension } from './handoff';
import { MULTI_CONCURRENT } from './request-data';
import { SandboxBatch } from './sandbox-batch';

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
  /**
   * At an invocation's start. What it returns (the resend of what earlier invocations could
   * not deliver) runs while the handler does, and the invocation's export waits for it.
   */
  begin(requestId: string | undefined, deadlineMs: () => number): Promise<void> | undefined;
  deliver(handover: Handover): Promise<void>;
}

export interface DeliverySettings {
  flushTimeoutMs: number;
  requestTimeoutMs: number;
  exportIntervalMs: number;
  maxExportBytes: number;
}

const BATCH = { maxSpans: 512, maxAgeMs: 1000 };

function exportAll(exporter: OtlpExporter, handover: Handover): Promise<void> {
  return Promise.all([...handover.pending, exporter.export(handover.spans, handover.deadlineMs())]).then(
    () => undefined,
  );
}

/**
 * The strategy for this process: in background batches on Managed Instances; after the
 * response when `hoptrace/lambda` registered its extension; before the return otherwise
 * (said once, with why, when the extension was asked for or a Lambda runtime runs us).
 */
export function chooseDelivery(
  exporter: OtlpExporter,
  sandboxRecorder: SpanRecorder,
  settings: DeliverySettings,
  inLambdaRuntime: boolean,
): Delivery {
  // The other strategies are functions of their own: V8 parses this function in full at init,
  // with the arrows in it, and a declaration only when it is called (bench: init instructions).
  function resend(_requestId: string | undefined, deadlineMs: () => number): Promise<void> {
    return exporter.drainSpool(deadlineMs);
  }
  if (MULTI_CONCURRENT) return inBackground(exporter, sandboxRecorder, settings, resend);
  const state = extensionState();
  if (state && !('reason' in state)) return afterResponse(exporter, sandboxRecorder, settings, state.extension);
  const why = state
    ? state.reason
    : inLambdaRuntime
      ? "hoptrace/lambda was not loaded (import it first, or NODE_OPTIONS='--import hoptrace/lambda')"
      : undefined;
  return {
    name: 'before-return',
    begin: resend,
    deliver: why === undefined ? (handover) => exportAll(exporter, handover) : sayingWhatItCosts(exporter, why),
  };
}

function inBackground(
  exporter: OtlpExporter,
  sandboxRecorder: SpanRecorder,
  settings: DeliverySettings,
  resend: Delivery['begin'],
): Delivery {
  const batcher = new SpanBatcher(exporter, { ...BATCH, timeoutMs: settings.flushTimeoutMs });
  // Loaded here only: its worker_threads and crypto would cost every other cold start.
  void import('./shutdown-channel').then(({ joinShutdown }) =>
    joinShutdown(async (deadlineMs) => {
      batcher.add(sandboxRecorder.drain());
      await Promise.all([batcher.flush(deadlineMs), exporter.drainSpool(() => deadlineMs)]);
    }),
  );
  return { name: 'background', begin: resend, deliver: async (handover) => batcher.add(handover.spans) };
}

function afterResponse(
  exporter: OtlpExporter,
  sandboxRecorder: SpanRecorder,
  settings: DeliverySettings,
  extension: LambdaExtension,
): Delivery {
  const batch = new SandboxBatch(exporter, extension, {
    intervalMs: settings.exportIntervalMs,
    maxBytes: settings.maxExportBytes,
    requestTimeoutMs: settings.requestTimeoutMs,
  });
  extension.onShutdown(async (deadlineMs) => {
    const spans = sandboxRecorder.drain();
    if (!exporter.persist(spans)) await exporter.export(spans, deadlineMs);
    await batch.exportNow(deadlineMs, { last: true });
  });
  extension.attach();
  return batch;
}

/**
 * Exports before the return, and says once, after the first export, what that cost the
 * response and why there is no extension: the figure a team weighs against loading it.
 */
function sayingWhatItCosts(exporter: OtlpExporter, why: string): Delivery['deliver'] {
  return async (handover) => {
    const startMs = nowMs();
    await exportAll(exporter, handover);
    if (handover.spans.length === 0) return;
    const waitedMs = nowMs() - startMs;
    logger.warnOnce(
      'delivery',
      `exporting before each invocation returns: each response waits one round trip to the ingest, billed (this one: ${waitedMs.toFixed(1)} ms); hoptrace/lambda exports in batches after the response instead. No extension: ${why}.`,
    );
  };
}
