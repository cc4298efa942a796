import type { Attributes, SpanKind } from '@opentelemetry/api';

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
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The resource name at the end of an ARN (`arn:aws:sqs:eu-west-1:123:orders` → `orders`). */
export function arnName(arn: unknown): string | undefined {
  const value = str(arn);
  if (!value) return undefined;
  const last = value.split(':').pop() ?? '';
  return last.split('/').filter(Boolean).at(-1) ?? (last || undefined);
}
