import { SpanKind } from '@opentelemetry/api';
import { detectEvent } from './events';
import { detectHttp } from './http';
import { isObject } from '../../guards';
import type { Trigger } from './trigger';

const DIRECT: Trigger = {
  faasTrigger: 'other',
  source: 'direct',
  kind: SpanKind.SERVER,
  spanName: undefined,
  attributes: {},
  carrier: undefined,
  messages: undefined,
};

/**
 * Recognises the event source from the event's shape. Any input, `null`, a string, an
 * array or an unknown object included, yields a trigger: unknown shapes are direct invokes.
 * `contextHeaders` names the headers a propagator reads (traceparent, ...).
 */
export function detectTrigger(event: unknown, contextHeaders: ReadonlySet<string>): Trigger {
  if (!isObject(event)) return DIRECT;
  try {
    return detectHttp(event, contextHeaders) ?? detectEvent(event) ?? DIRECT;
  } catch {
    // A getter that throws or a proxy: no trigger is worth failing an invocation for.
    return DIRECT;
  }
}
