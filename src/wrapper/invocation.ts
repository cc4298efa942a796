import {
  createContextKey,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { refreshInstrumentations } from '../instrumentation/install';
import { str } from '../guards';
import { tenantId, xrayTraceHeader } from '../lambda/request-data';
import { logger } from '../logger';
import { SpanRecorder, setRecorder } from '../tracer/recorder';
import type { RecordingSpan } from '../tracer/span';
import { nowMs } from '../tracer/time';
import { claimColdStart } from './cold-start';
import { incomingContext } from './incoming-context';
import { invocationAttributes, remainingTimeMs, type LambdaContext } from './lambda-context';
import type { Pipeline } from './pipeline';
import { armTimeoutGuard } from './timeout-guard';
import { detectTrigger } from './triggers/detect';
import { responseStatus } from './triggers/http';
import type { Trigger } from './triggers/trigger';

const INVOCATION_KEY = createContextKey('hoptrace.invocation');

/** The invocation whose handler is running in `ctx`, if any. */
export function activeInvocation(ctx: Context): Invocation | undefined {
  return ctx.getValue(INVOCATION_KEY) as Invocation | undefined;
}

function errorType(error: unknown): string {
  if (error instanceof Error) return error.name || error.constructor.name || 'Error';
  return typeof error;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
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
  private readonly resending: Promise<void>;

  private constructor(
    private readonly pipeline: Pipeline,
    private readonly trigger: Trigger,
    private readonly lambdaContext: LambdaContext | undefined,
  ) {
    const startMs = nowMs();
    const cold = claimColdStart(startMs, pipeline.functionEnv.initializationType, pipeline.functionEnv.inLambdaRuntime);
    // Lambda sets the X-Ray header per invocation; read only when the xray propagator is on.
    const xrayHeader = pipeline.xrayEnabled ? xrayTraceHeader(lambdaContext) : undefined;
    const incoming = incomingContext(trigger, lambdaContext, xrayHeader);
    this.recorder = new SpanRecorder(pipeline.settings);
    const base = setRecorder(incoming.parent, this.recorder);
    const attributes: Attributes = {
      ...invocationAttributes(lambdaContext, pipeline.functionEnv),
      'faas.trigger': trigger.faasTrigger,
      'faas.coldstart': cold.coldStart,
      ...trigger.attributes,
    };
    if (cold.proactive) attributes['hoptrace.proactive_initialization'] = true;
    const tenant = tenantId(lambdaContext);
    if (tenant) attributes['aws.lambda.tenant_id'] = tenant;
    const spoolDropped = pipeline.exporter.spoolDropped();
    if (spoolDropped > 0) attributes['hoptrace.spool.dropped_spans'] = spoolDropped;
    const name = trigger.spanName ?? (attributes['faas.name'] as string | undefined) ?? 'invocation';
    this.root = pipeline.tracer.startSpan(name, { kind: trigger.kind, attributes, links: incoming.links, startTime: startMs }, base);
    const withRoot = trace.setSpan(base, this.root);
    if (cold.init && this.root.isRecording()) {
      const init = pipeline.tracer.startSpan('init', { startTime: cold.init.startMs, attributes: { 'hoptrace.init_type': cold.init.type } }, withRoot);
      init.end(cold.init.endMs);
    }
    this.context = withRoot.setValue(INVOCATION_KEY, this);
    pipeline.exporter.warm();
    refreshInstrumentations();
    // What earlier invocations could not deliver goes out while the handler runs.
    this.resending = pipeline.exporter.drainSpool(() => this.flushDeadline());
    this.disarm = armTimeoutGuard(remainingTimeMs(lambdaContext), pipeline.config.timeoutGuardMs, () => this.onTimeout());
  }

  /** Undefined when hoptrace itself failed: the caller then runs the handler untraced. */
  static start(pipeline: Pipeline, event: unknown, lambdaContext: LambdaContext | undefined): Invocation | undefined {
    try {
      return new Invocation(pipeline, detectTrigger(event, pipeline.contextHeaders), lambdaContext);
    } catch (error) {
      logger.warn('invocation:start', `could not start the invocation's trace: ${(error as Error).message}`);
      return undefined;
    }
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

  /** Ends the root span and flushes; idempotent, never rejects. */
  finish(): Promise<void> {
    if (!this.finishing) {
      this.disarm();
      if (this.recorder.dropped > 0) this.root.setAttribute('hoptrace.spans_dropped', this.recorder.dropped);
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
    }
    return this.finishing;
  }

  /** Exports the spans finished so far (and any from outside invocations), within the budget. */
  async flush(): Promise<void> {
    try {
      const spans = this.drain();
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
      span.setAttribute('hoptrace.unfinished', true);
      span.end(endMs);
    }
    logger.warnOnce(
      'unfinished',
      `${open.length} span(s) were still open when the invocation ended (first: "${open[0]!.name}"); hoptrace ended them, marked hoptrace.unfinished. An unread HTTP response body or a missing span.end() leaves a span open.`,
    );
  }

  /** Lambda is about to kill the invocation: end what is open, marked, and ship it. */
  private onTimeout(): void {
    for (const span of this.recorder.openSpans()) {
      span.setAttribute('error.type', 'timeout');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'Lambda invocation timed out before this span ended' });
      span.end();
    }
    this.timeoutFlush = this.flush();
  }
}
