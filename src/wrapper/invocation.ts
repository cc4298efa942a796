import { SpanStatusCode, trace, type Attributes, type Context, type Span, type SpanContext } from '@opentelemetry/api';
import { refreshInstrumentations } from '../instrumentation/install';
import { str } from '../guards';
import { tenantId, xrayTraceHeader } from '../lambda/request-data';
import { logger } from '../logger';
import { HoptraceAttribute } from '../otlp/hoptrace-attributes';
import { SpanRecorder, setRecorder } from '../tracer/recorder';
import type { RecordingSpan } from '../tracer/span';
import { nowMs } from '../tracer/time';
import { correlateConsole } from '../logs/console-correlation';
import { INVOCATION_KEY } from './active-invocation';
import { incomingContext } from './incoming-context';
import { invocationAttributes, remainingTimeMs, type LambdaContext } from './lambda-context';
import type { Pipeline } from '../bootstrap/pipeline';
import { armTimeoutGuard } from './timeout-guard';
import { detectTrigger } from './triggers/detect';
import { responseStatus } from './triggers/http';
import type { Trigger } from './triggers/trigger';

const TIMED_OUT = { code: SpanStatusCode.ERROR, message: 'Lambda invocation timed out before this span ended' };

function errorType(error: unknown): string {
  if (error instanceof Error) return error.name || error.constructor.name || 'Error';
  return typeof error;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}

/** The handler's `extractContext` answer; its failure is logged and leaves hoptrace's own reading. */
function extractedContext(
  pipeline: Pipeline,
  event: unknown,
  lambdaContext: LambdaContext | undefined,
): Context | undefined {
  const extract = pipeline.config.extractContext;
  if (!extract) return undefined;
  try {
    return extract(event, lambdaContext);
  } catch (error) {
    logger.warn(
      'invocation:extract-context',
      `extractContext failed, the event's own context is used: ${(error as Error).message}`,
    );
    return undefined;
  }
}

/**
 * One Lambda invocation: its root span, its spans' recorder, its timeout guard and its
 * flush. Methods never throw; a failure inside hoptrace is logged, not passed on.
 */
export class Invocation {
  readonly context: Context;
  private readonly root: Span;
  private readonly recorder: SpanRecorder;
  private readonly disarm: () => void;
  private finishing: Promise<void> | undefined;
  private timeoutFlush: Promise<void> | undefined;
  private readonly resending: Promise<void> | undefined;

  private constructor(
    private readonly pipeline: Pipeline,
    private readonly trigger: Trigger,
    private readonly lambdaContext: LambdaContext | undefined,
    event: unknown,
  ) {
    const startMs = nowMs();
    pipeline.nameService(str(lambdaContext?.functionName));
    const cold = pipeline.coldStart.claim(
      startMs,
      pipeline.functionEnv.initializationType,
      pipeline.functionEnv.inLambdaRuntime,
    );
    // Lambda sets the X-Ray header per invocation; read only when the xray propagator is on.
    const xrayHeader = pipeline.xrayEnabled ? xrayTraceHeader(lambdaContext) : undefined;
    const incoming = incomingContext(
      trigger,
      lambdaContext,
      xrayHeader,
      extractedContext(pipeline, event, lambdaContext),
    );
    this.recorder = new SpanRecorder(pipeline.settings);
    const base = setRecorder(incoming.parent, this.recorder);
    const attributes: Attributes = {
      ...invocationAttributes(lambdaContext, pipeline.functionEnv),
      'faas.trigger': trigger.faasTrigger,
      'faas.coldstart': cold.coldStart,
      ...trigger.attributes,
    };
    if (cold.proactive) attributes[HoptraceAttribute.ProactiveInitialization] = true;
    const tenant = tenantId(lambdaContext);
    if (tenant) attributes['aws.lambda.tenant_id'] = tenant;
    const spoolDropped = pipeline.exporter.spoolDropped();
    if (spoolDropped > 0) attributes[HoptraceAttribute.SpoolDroppedSpans] = spoolDropped;
    const name = trigger.spanName ?? (attributes['faas.name'] as string | undefined) ?? 'invocation';
    this.root = pipeline.tracer.startSpan(
      name,
      { kind: trigger.kind, attributes, links: incoming.links, startTime: startMs },
      base,
    );
    const withRoot = trace.setSpan(base, this.root);
    if (cold.init && this.root.isRecording()) {
      const init = pipeline.tracer.startSpan(
        'init',
        { startTime: cold.init.startMs, attributes: { [HoptraceAttribute.InitType]: cold.init.type } },
        withRoot,
      );
      init.end(cold.init.endMs);
    }
    this.context = withRoot.setValue(INVOCATION_KEY, this);
    if (pipeline.config.logCorrelation) correlateConsole();
    pipeline.exporter.warm();
    refreshInstrumentations();
    // What earlier invocations could not deliver (or batched) goes out while the handler runs.
    this.resending = pipeline.delivery.begin(str(lambdaContext?.awsRequestId), () => this.flushDeadline());
    this.disarm = armTimeoutGuard(remainingTimeMs(lambdaContext), pipeline.config.timeoutGuardMs, () =>
      this.onTimeout(),
    );
  }

  /** Undefined when hoptrace itself failed: the caller then runs the handler untraced. */
  static start(pipeline: Pipeline, event: unknown, lambdaContext: LambdaContext | undefined): Invocation | undefined {
    try {
      return new Invocation(pipeline, detectTrigger(event, pipeline.contextHeaders), lambdaContext, event);
    } catch (error) {
      logger.warn('invocation:start', `could not start the invocation's trace: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** `finish` has been called: the root has ended. */
  get finished(): boolean {
    return this.finishing !== undefined;
  }

  /** The root span's context, for correlation (logs, other middlewares). */
  rootSpanContext(): SpanContext {
    return this.root.spanContext();
  }

  /** Reads the handler's result; for HTTP triggers, its status code (5xx marks an error). */
  recordResult(result: unknown): void {
    if (this.trigger.faasTrigger !== 'http') return;
    try {
      const status = responseStatus(this.trigger.source, result);
      if (status === undefined) return;
      this.root.setAttribute('http.response.status_code', status);
      if (status >= 500) {
        this.root.setAttribute('error.type', String(status));
        this.root.setStatus({ code: SpanStatusCode.ERROR });
      }
    } catch {
      // A result with hostile getters is returned untouched; we just learn nothing from it.
    }
  }

  recordError(error: unknown): void {
    try {
      this.root.recordException(error as Error);
      this.root.setAttribute('error.type', errorType(error));
      this.root.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
    } catch {
      // Same as above: the error reaches Lambda unchanged whatever we could read from it.
    }
  }

  /**
   * Follows the handler's answer: records its result (or the value `outcome` makes of it) or
   * its error on the root, finishes, and settles exactly as the answer did.
   */
  async follow<T>(answer: Promise<T>, outcome: (value: T) => unknown = (value) => value): Promise<T> {
    try {
      const value = await answer;
      this.recordResult(await outcome(value));
      return value;
    } catch (error) {
      this.recordError(error);
      throw error;
    } finally {
      await this.finish();
    }
  }

  /**
   * Ends the root span and flushes; idempotent, never rejects. Spans the invocation's
   * timers and sockets record from now on leave with a later flush.
   */
  finish(): Promise<void> {
    if (!this.finishing) {
      this.disarm();
      if (this.recorder.dropped > 0) this.root.setAttribute(HoptraceAttribute.SpansDropped, this.recorder.dropped);
      this.endLeftovers();
      this.root.end();
      // After a timeout flush only what ended since is left; the delivery decides whether
      // the handler's return waits for the export or the export follows the response.
      this.finishing = this.pipeline.delivery
        .deliver({
          requestId: str(this.lambdaContext?.awsRequestId),
          spans: this.drain(),
          deadlineMs: () => this.flushDeadline(),
          pending: [this.timeoutFlush, this.resending],
        })
        .catch((error: unknown) => logger.warn('flush', `flush failed: ${(error as Error).message}`));
      this.recorder.handOver(this.pipeline.registration.provider.sandboxRecorder);
    }
    return this.finishing;
  }

  /**
   * Exports the spans finished so far (and any from outside invocations), within the
   * budget; `provisional` copies go along.
   */
  async flush(provisional: RecordingSpan[] = []): Promise<void> {
    try {
      const spans = [...this.drain(), ...provisional];
      if (spans.length === 0) return;
      await this.pipeline.exporter.export(spans, this.flushDeadline());
    } catch (error) {
      logger.warn('flush', `flush failed: ${(error as Error).message}`);
    }
  }

  /** This invocation's finished spans, and any recorded outside invocations. */
  private drain(): RecordingSpan[] {
    return [...this.recorder.drain(), ...this.pipeline.registration.provider.sandboxRecorder.drain()];
  }

  /** Now plus the flush budget, and never past the Lambda deadline minus the margin. */
  private flushDeadline(): number {
    const { flushTimeoutMs, flushMarginMs } = this.pipeline.config;
    const remaining = remainingTimeMs(this.lambdaContext);
    const budget = remaining === undefined ? flushTimeoutMs : Math.min(flushTimeoutMs, remaining - flushMarginMs);
    return nowMs() + Math.max(0, budget);
  }

  /**
   * Spans still open when the handler is done would never be exported: Lambda freezes the
   * sandbox, and a span ended after the flush has no flush left. The usual causes are an
   * HTTP response whose body was never read and a span the code forgot to end; their
   * children would otherwise point at a parent the trace never receives. They end now, marked.
   */
  private endLeftovers(): void {
    const open = this.recorder.openSpans().filter((span) => span !== this.root);
    if (open.length === 0) return;
    const endMs = nowMs();
    for (const span of open) {
      span.setAttribute(HoptraceAttribute.Unfinished, true);
      span.end(endMs);
    }
    logger.warnOnce(
      'unfinished',
      `${open.length} span(s) were still open when the invocation ended (first: "${open[0]!.name}"); hoptrace ended them, marked ${HoptraceAttribute.Unfinished}. An unread HTTP response body or a missing span.end() leaves a span open.`,
    );
  }

  /**
   * Lambda may be about to cut the invocation off, and after that nothing can be sent. What
   * has ended goes out now; what is still open, the root among it, goes out as provisional
   * copies that end now as timed out, marked `hoptrace.provisional`. Nothing really ends:
   * if the handler completes before Lambda's deadline, `finish` records and exports its
   * real outcome under the same span ids, and readers keep that over the copy.
   */
  private onTimeout(): void {
    const now = nowMs();
    const copies = this.recorder
      .openSpans()
      .map((span) =>
        span.provisionalCopy(now, TIMED_OUT, { 'error.type': 'timeout', [HoptraceAttribute.Provisional]: true }),
      );
    // The sandbox's batch too: a runtime cut off at its timeout sends nothing more.
    this.timeoutFlush = Promise.all([
      this.flush(copies),
      this.pipeline.exporter.drainSpool(() => this.flushDeadline(), { batch: true }),
    ]).then(() => undefined);
  }
}
