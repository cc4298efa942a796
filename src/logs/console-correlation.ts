import { format } from 'node:util';
import type { SpanContext } from '@opentelemetry/api';
import { invocationSpanContext } from './trace-log-fields';

/** What Lambda's runtime client patches (`fatal` is its own addition); `log` is its `info`. */
const METHODS = ['trace', 'debug', 'info', 'log', 'warn', 'error', 'fatal'] as const;
const CORRELATED = Symbol.for('hoptrace.logs.correlated');

type LogMethod = ((...args: unknown[]) => void) & { [CORRELATED]?: true };
type Correlate = (original: LogMethod) => LogMethod;

/** Lambda's runtime client writes JSON lines; it reads the variable as this does. */
function jsonFormat(): boolean {
  return process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
}

let lastSpan: SpanContext | undefined;
let lastPrefix = '';

/** `trace_id=<32 hex> span_id=<16 hex>`, kept for the span that logs next too. */
function prefixOf(span: SpanContext): string {
  if (span !== lastSpan) {
    lastSpan = span;
    lastPrefix = `trace_id=${span.traceId} span_id=${span.spanId}`;
  }
  return lastPrefix;
}

/**
 * Text lines: the ids open the message, where a Logs Insights `parse` finds them whatever
 * follows. The arguments are formatted first, as the runtime client would format them (one
 * string is passed through as is by both), so that format specifiers keep their meaning; a
 * format string with the ids prepended costs util.format several times more.
 */
const prefixIds: Correlate = (original) =>
  function correlated(this: unknown, ...args: unknown[]): void {
    const span = invocationSpanContext();
    if (!span) return original.apply(this, args);
    return original.call(this, args.length === 0 ? prefixOf(span) : `${prefixOf(span)} ${format(...args)}`);
  };

/** The record Lambda's runtime client (3.x and 4.x) builds for one line before it serialises it. */
function isRuntimeRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.timestamp === 'string' &&
    typeof record.level === 'string' &&
    'requestId' in record &&
    'message' in record
  );
}

/**
 * JSON lines: the runtime client builds each line's object and serialises it in the same
 * synchronous call, with no hook of its own. For the length of that call only, JSON.stringify
 * adds the ids to that object, so they become top-level fields of the line the client writes,
 * framed, filtered by level and tagged with the request id as ever.
 */
const addIdFields: Correlate = (original) =>
  function correlated(this: unknown, ...args: unknown[]): void {
    const span = invocationSpanContext();
    if (!span) return original.apply(this, args);
    const stringify = JSON.stringify;
    JSON.stringify = function stringifyWithIds(value: unknown, ...rest: unknown[]): string {
      if (isRuntimeRecord(value)) {
        value.trace_id ??= span.traceId;
        value.span_id ??= span.spanId;
      }
      return (stringify as (value: unknown, ...rest: unknown[]) => string)(value, ...rest);
    } as typeof JSON.stringify;
    try {
      return original.apply(this, args);
    } finally {
      JSON.stringify = stringify;
    }
  };

/**
 * Makes the console methods correlate lines written inside an invocation; outside one they
 * pass straight through. Wraps whatever is there (Lambda's runtime client patched the console
 * before the handler loaded), and again if something replaced a method since; idempotent and
 * cheap, so each invocation calls it.
 */
export function correlateConsole(): void {
  const target = console as unknown as Record<string, LogMethod | undefined>;
  let correlate: Correlate | undefined;
  for (const name of METHODS) {
    const original = target[name];
    if (typeof original !== 'function' || original[CORRELATED]) continue;
    correlate ??= jsonFormat() ? addIdFields : prefixIds;
    const wrapped = correlate(original);
    wrapped[CORRELATED] = true;
    target[name] = wrapped;
  }
}
