import type { Tracer, TracerOptions, TracerProvider } from '@opentelemetry/api';
import { SpanRecorder, type RecorderSettings } from './recorder';
import { HoptraceTracer } from './tracer';

/**
 * Hands out tracers. Spans started outside any invocation (at module init, in a stray
 * callback) go to the sandbox recorder and are flushed with the next invocation.
 */
export class HoptraceTracerProvider implements TracerProvider {
  readonly sandboxRecorder: SpanRecorder;
  private readonly tracers = new Map<string, HoptraceTracer>();

  constructor(settings: RecorderSettings) {
    this.sandboxRecorder = new SpanRecorder(settings);
  }

  getTracer(name: string, version?: string, _options?: TracerOptions): Tracer {
    const key = `${name}@${version ?? ''}`;
    let tracer = this.tracers.get(key);
    if (!tracer) {
      tracer = new HoptraceTracer(version ? { name, version } : { name }, () => this.sandboxRecorder);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }
}
