import { createHash } from 'node:crypto';
import { propagation, ROOT_CONTEXT, trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';

/**
 * The trace of one durable execution, a function of its checkpointed state alone (its ARN and
 * its input), so that every invocation, replay and sandbox of the execution computes the same
 * one without writing anything: the trace id is the caller's when the input carries a W3C
 * `traceparent`, else one derived from the ARN; the root span's id is derived from the ARN.
 */
export interface ExecutionTrace {
  readonly arn: string;
  readonly traceId: string;
  /** The execution's root span, recorded when the execution ends. */
  readonly rootSpanId: string;
  /** The caller's span, when the input carries one: the root's parent. */
  readonly caller: SpanContext | undefined;
}

function digest(text: string, hexChars: number): string {
  const hex = createHash('sha256').update(text).digest('hex').slice(0, hexChars);
  // An all-zero id is invalid; a 2^-64 chance, answered by a fixed valid one.
  return /^0+$/.test(hex) ? '1'.padStart(hexChars, '0') : hex;
}

const CONTEXT_FIELDS = ['traceparent', 'tracestate', 'baggage'];

/** `traceparent` and its companions, top-level or in `headers` (an HTTP-shaped input), any case. */
function carrierOf(input: unknown): Record<string, string> | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  for (const holder of [input, (input as { headers?: unknown }).headers]) {
    if (typeof holder !== 'object' || holder === null) continue;
    const carrier: Record<string, string> = {};
    for (const [key, value] of Object.entries(holder)) {
      const name = key.toLowerCase();
      if (CONTEXT_FIELDS.includes(name) && typeof value === 'string') carrier[name] = value;
    }
    if (carrier.traceparent) return carrier;
  }
  return undefined;
}

export function executionTrace(arn: string, input: unknown): ExecutionTrace {
  const carrier = carrierOf(input);
  const extracted = carrier ? trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier)) : undefined;
  return {
    arn,
    traceId: extracted?.traceId ?? digest(`${arn}/trace`, 32),
    rootSpanId: digest(`${arn}/root`, 16),
    caller: extracted,
  };
}

/** The execution's root as a parent: what every invocation, wait and callback hangs from. */
export function rootParent(execution: ExecutionTrace, base: Context = ROOT_CONTEXT): Context {
  const flags = execution.caller ? execution.caller.traceFlags : TraceFlags.SAMPLED;
  return trace.setSpanContext(base, {
    traceId: execution.traceId,
    spanId: execution.rootSpanId,
    traceFlags: flags,
    isRemote: true,
  });
}
