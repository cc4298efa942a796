import {
  context as contextApi,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  SpanKind,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import { CHOSEN_IDS, chosenIds } from './chosen-ids';
import { CONTEXT_ATTRIBUTES } from './context-attributes';
import { newSpanId, newTraceId } from './ids';
import { getRecorder, type SpanRecorder } from './recorder';
import { RecordingSpan, type InstrumentationScope } from './span';
import { isTracingSuppressed } from './suppress';
import { toEpochMs } from './time';

export class HoptraceTracer implements Tracer {
  constructor(
    private readonly scope: InstrumentationScope,
    private readonly fallbackRecorder: () => SpanRecorder,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = contextApi.active()): Span {
    if (isTracingSuppressed(ctx)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const parent: SpanContext | undefined = options.root ? undefined : trace.getSpanContext(ctx);
    const validParent = parent && isSpanContextValid(parent) ? parent : undefined;
    const chosen = chosenIds(ctx);
    const traceId = validParent ? validParent.traceId : (chosen?.traceId ?? newTraceId());
    const recorder = getRecorder(ctx) ?? this.fallbackRecorder();
    const sampled = recorder.settings.sampler(traceId, validParent);
    const spanContext: SpanContext = {
      traceId,
      spanId: chosen?.spanId ?? newSpanId(),
      traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
      traceState: validParent?.traceState,
    };
    // Unsampled or over the cap: the context still propagates, nothing is recorded.
    if (!sampled || !recorder.admit()) return trace.wrapSpanContext(spanContext);
    // One lookup for every span; a copy only where the context carries attributes.
    const inherited = ctx.getValue(CONTEXT_ATTRIBUTES) as Attributes | undefined;
    const span = new RecordingSpan(
      spanContext,
      String(name),
      options.kind ?? SpanKind.INTERNAL,
      validParent?.spanId,
      toEpochMs(options.startTime),
      this.scope,
      recorder.settings,
      recorder,
      inherited ? { ...inherited, ...options.attributes } : options.attributes,
      options.links,
    );
    recorder.onStart(span);
    return span;
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = (rest.length >= 2 ? rest[0] : undefined) as SpanOptions | undefined;
    const ctx = (rest.length >= 3 ? rest[1] : undefined) as Context | undefined;
    const parentCtx = ctx ?? contextApi.active();
    const span = this.startSpan(name, options, parentCtx);
    // The chosen ids were this span's; its children get their own. Only a context that holds
    // them is copied: every other startActiveSpan keeps its one context allocation.
    const childBase = parentCtx.getValue(CHOSEN_IDS) === undefined ? parentCtx : parentCtx.deleteValue(CHOSEN_IDS);
    return contextApi.with(trace.setSpan(childBase, span), fn as (span: Span) => ReturnType<F>, undefined, span);
  }
}
