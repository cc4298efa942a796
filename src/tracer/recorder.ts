import { createContextKey, type Context } from '@opentelemetry/api';
import type { Redactor } from '../redaction';
import type { SpanLimits } from './limits';
import type { Sampler } from './sampler';
import type { RecordingSpan, SpanSink } from './span';

export interface RecorderSettings {
  readonly sampler: Sampler;
  readonly limits: SpanLimits;
  readonly redactor: Redactor;
  /** Cap on spans held at once (open and finished); spans past it are not recorded. */
  readonly maxSpans: number;
}

/**
 * Holds the spans of one invocation (or, for spans started outside any invocation, of the
 * sandbox) until they are flushed. Carried in the context, so every span started under an
 * invocation lands in that invocation's recorder even when several run at once.
 */
export class SpanRecorder implements SpanSink {
  private readonly open = new Set<RecordingSpan>();
  private finished: RecordingSpan[] = [];
  private droppedSpans = 0;
  private successor: SpanRecorder | undefined;

  constructor(readonly settings: RecorderSettings) {}

  /** Whether one more span fits; counts it as dropped when it does not. */
  admit(): boolean {
    if (this.successor) return this.successor.admit();
    if (this.open.size + this.finished.length < this.settings.maxSpans) return true;
    this.droppedSpans++;
    return false;
  }

  onStart(span: RecordingSpan): void {
    if (this.successor) this.successor.onStart(span);
    else this.open.add(span);
  }

  onEnd(span: RecordingSpan): void {
    if (this.successor) return this.successor.onEnd(span);
    this.open.delete(span);
    this.finished.push(span);
  }

  /**
   * From now on, spans this recorder would receive go to `successor`. An invocation's
   * context outlives it in its timers and sockets (a heartbeat `setInterval`); what they
   * record after the last flush then leaves with a later flush instead of being lost.
   */
  handOver(successor: SpanRecorder): void {
    this.successor = successor;
  }

  openSpans(): RecordingSpan[] {
    return [...this.open];
  }

  /** Takes the finished spans out of the recorder. */
  drain(): RecordingSpan[] {
    const spans = this.finished;
    this.finished = [];
    return spans;
  }

  get dropped(): number {
    return this.droppedSpans;
  }
}

const RECORDER_KEY = createContextKey('hoptrace.recorder');

export function getRecorder(ctx: Context): SpanRecorder | undefined {
  return ctx.getValue(RECORDER_KEY) as SpanRecorder | undefined;
}

export function setRecorder(ctx: Context, recorder: SpanRecorder): Context {
  return ctx.setValue(RECORDER_KEY, recorder);
}
