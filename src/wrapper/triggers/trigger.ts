import type { Attributes, SpanKind } from '@opentelemetry/api';
import { str } from '../../guards';

/** `faas.trigger` values of the FaaS semantic conventions. */
export type FaasTrigger = 'http' | 'pubsub' | 'datasource' | 'timer' | 'other';

export type EventSource =
  | 'api-gateway-rest'
  | 'api-gateway-http'
  | 'function-url'
  | 'alb'
  | 'sqs'
  | 'sns'
  | 'eventbridge'
  | 'kinesis'
  | 'dynamodb'
  | 's3'
  | 'schedule'
  | 'direct';

/** What the root span of an invocation learns from its event. */
export interface Trigger {
  readonly faasTrigger: FaasTrigger;
  readonly source: EventSource;
  readonly kind: SpanKind;
  /** Span name; undefined means the function name. */
  readonly spanName: string | undefined;
  readonly attributes: Attributes;
  /** Where an incoming trace context may be read (HTTP headers, lower-cased). */
  readonly carrier: Record<string, string | string[]> | undefined;
  /** The messages that may each carry a producer's context (batch records, an EventBridge event). */
  readonly messages: readonly unknown[] | undefined;
}

/** The resource name at the end of an ARN (`arn:aws:sqs:eu-west-1:123:orders` → `orders`). */
export function arnName(arn: unknown): string | undefined {
  const value = str(arn);
  if (!value) return undefined;
  const last = value.split(':').pop() ?? '';
  return last.split('/').filter(Boolean).at(-1) ?? (last || undefined);
}
