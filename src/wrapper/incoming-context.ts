import { propagation, ROOT_CONTEXT, trace, TraceFlags, type Context, type Link } from '@opentelemetry/api';
import { clientContextCarrier, recordCarrier } from '../messaging/event-carrier';
import { XRAY_HEADER } from '../propagation/xray';
import type { LambdaContext } from './lambda-context';
import type { Trigger } from './triggers/trigger';

export interface Incoming {
  /** The root span's parent: the caller's context, or none. */
  readonly parent: Context;
  /** One link per distinct producer context of a batch. */
  readonly links: Link[];
}

/**
 * A batch's root links to every distinct producer context its messages carry; when every
 * message carries the same one (a batch of one included), the root is also its child, so
 * the common case reads as one tree.
 */
function batchContext(messages: readonly unknown[]): Incoming {
  const links: Link[] = [];
  const seen = new Set<string>();
  let shared: Context | undefined;
  let allShare = messages.length > 0;
  for (const message of messages) {
    const carrier = recordCarrier(message);
    const ctx = carrier ? propagation.extract(ROOT_CONTEXT, carrier) : undefined;
    const spanContext = ctx && trace.getSpanContext(ctx);
    if (!spanContext) {
      allShare = false;
      continue;
    }
    const key = `${spanContext.traceId}${spanContext.spanId}`;
    if (!seen.has(key)) {
      seen.add(key);
      links.push({ context: spanContext });
    }
    shared ??= ctx;
  }
  return { parent: allShare && seen.size === 1 && shared ? shared : ROOT_CONTEXT, links };
}

/**
 * Where the invocation's trace continues from: the handler's own `extractContext` when it
 * found one, HTTP headers, the messages of a batch or an EventBridge event, a direct invoke's
 * client context, and last the X-Ray header Lambda sets (`_X_AMZN_TRACE_ID`, passed only when
 * the xray propagator is on) when it is sampled.
 */
export function incomingContext(
  trigger: Trigger,
  lambdaContext: LambdaContext | undefined,
  xrayHeader: string | undefined,
  extracted?: Context,
): Incoming {
  let incoming: Incoming = { parent: ROOT_CONTEXT, links: [] };
  if (extracted && trace.getSpanContext(extracted)) return { parent: extracted, links: [] };
  if (trigger.carrier) incoming = { parent: propagation.extract(ROOT_CONTEXT, trigger.carrier), links: [] };
  else if (trigger.messages) incoming = batchContext(trigger.messages);
  else if (trigger.source === 'direct') {
    const carrier = clientContextCarrier(lambdaContext?.clientContext);
    if (carrier) incoming = { parent: propagation.extract(ROOT_CONTEXT, carrier), links: [] };
  }
  if (xrayHeader && !trace.getSpanContext(incoming.parent)) {
    const fromLambda = propagation.extract(incoming.parent, { [XRAY_HEADER]: xrayHeader });
    // Lambda writes `Sampled=0` whenever its own tracing is off or X-Ray sampled the request
    // out: X-Ray's decision, not this trace's; as a parent it would drop every span. Only a
    // sampled header (an upstream that traces, or active tracing) is a parent. An upstream's
    // own decision arrives in the event (headers, AWSTraceHeader) and is read above.
    const sampled = ((trace.getSpanContext(fromLambda)?.traceFlags ?? 0) & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    if (sampled) incoming = { parent: fromLambda, links: incoming.links };
  }
  return incoming;
}
