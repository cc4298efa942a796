import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { isObject, str, type Json } from '../guards';
import { logger } from '../logger';
import { isTracingSuppressed, suppressTracing } from '../tracer/suppress';
import { VERSION } from '../version';
import { messagingPlan, type MessagingPlan } from './aws-messaging';

/** The parts of an AWS SDK v3 middleware stack hoptrace uses. */
type Handler = (args: { input: Json; [key: string]: unknown }) => Promise<{ output: unknown; [key: string]: unknown }>;
interface HandlerContext {
  clientName?: string;
  commandName?: string;
}
interface MiddlewareStack {
  add(
    middleware: (next: Handler, context: HandlerContext) => Handler,
    options: { step: 'initialize'; name: string; override: boolean },
  ): void;
}

/**
 * Any AWS SDK v3 client: it has a middleware stack and a config with a region. Typed
 * loosely on purpose, so every client's overloaded `middlewareStack.add` fits without
 * hoptrace depending on the SDK's types.
 *
 * @example
 * ```typescript
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { instrumentAwsClient, type AwsClientLike } from 'hoptrace';
 *
 * const traced = <T extends AwsClientLike>(client: T): T => instrumentAwsClient(client);
 * const dynamodb = traced(new DynamoDBClient({}));
 * ```
 */
export interface AwsClientLike {
  middlewareStack: { add(middleware: never, options: never): void };
  config: { region?: unknown };
}

const MIDDLEWARE_NAME = 'hoptraceMiddleware';
const instrumented = new WeakSet<object>();

async function regionOf(client: AwsClientLike): Promise<string | undefined> {
  const region = client.config.region;
  try {
    return typeof region === 'function' ? str(await (region as () => Promise<unknown>)()) : str(region);
  } catch {
    return undefined;
  }
}

function metadataOf(value: unknown): { requestId?: string; httpStatusCode?: number } {
  const metadata = isObject(value) ? value.$metadata : undefined;
  return isObject(metadata)
    ? {
        requestId: str(metadata.requestId),
        httpStatusCode: typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined,
      }
    : {};
}

function recordMetadata(span: Span, value: unknown): void {
  const { requestId, httpStatusCode } = metadataOf(value);
  if (requestId) span.setAttribute('aws.request_id', requestId);
  if (httpStatusCode) span.setAttribute('http.response.status_code', httpStatusCode);
}

function startSpan(
  tracer: Tracer,
  service: string,
  operation: string,
  region: string | undefined,
  plan: MessagingPlan | undefined,
): Span {
  const attributes: Attributes = {
    'rpc.system': 'aws-api',
    'rpc.service': service,
    'rpc.method': operation,
    ...plan?.attributes,
  };
  if (region) {
    attributes['cloud.region'] = region;
    if (plan && attributes['faas.invoked_name']) attributes['faas.invoked_region'] = region;
  }
  return tracer.startSpan(plan?.name ?? `${service}.${operation}`, {
    kind: plan ? SpanKind.PRODUCER : SpanKind.CLIENT,
    attributes,
  });
}

function tracingMiddleware(client: AwsClientLike, tracer: Tracer) {
  return (next: Handler, handlerContext: HandlerContext): Handler =>
    async (args) => {
      const active = context.active();
      if (isTracingSuppressed(active)) return next(args);
      const service = (handlerContext.clientName ?? 'AWS').replace(/Client$/, '');
      const operation = (handlerContext.commandName ?? 'Unknown').replace(/Command$/, '');
      let span: Span;
      let input = args.input;
      try {
        const plan = isObject(input) ? messagingPlan(service, operation, input) : undefined;
        span = startSpan(tracer, service, operation, await regionOf(client), plan);
        if (plan) input = plan.inject(trace.setSpan(active, span), tracer);
      } catch (error) {
        logger.warn('aws-sdk', `could not trace ${service}.${operation}: ${(error as Error).message}`);
        return next(args);
      }
      try {
        // The SDK's own HTTP request is part of this span, not a second one.
        const result = await context.with(suppressTracing(trace.setSpan(active, span)), () => next({ ...args, input }));
        recordMetadata(span, result.output);
        const messageId = isObject(result.output) ? str(result.output.MessageId) : undefined;
        if (messageId) span.setAttribute('messaging.message.id', messageId);
        return result;
      } catch (error) {
        recordMetadata(span, error);
        span.recordException(error as Error);
        span.setAttribute('error.type', error instanceof Error ? error.name : typeof error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    };
}

/**
 * Traces every call of an AWS SDK v3 client: a CLIENT span per call, or a PRODUCER span for
 * SQS SendMessage(Batch), SNS Publish(Batch), EventBridge PutEvents and Lambda Invoke, whose
 * messages also carry the trace context to their consumer. Returns the same client;
 * instrumenting it twice is harmless.
 *
 * @example
 * ```typescript
 * import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
 * import { instrumentAwsClient } from 'hoptrace';
 *
 * const sqs = instrumentAwsClient(new SQSClient({}));
 * await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{}' })); // the message carries the trace
 * ```
 */
export function instrumentAwsClient<T extends AwsClientLike>(client: T): T {
  try {
    if (instrumented.has(client)) return client;
    (client.middlewareStack as unknown as MiddlewareStack).add(
      tracingMiddleware(client, trace.getTracer('hoptrace', VERSION)),
      {
        step: 'initialize',
        name: MIDDLEWARE_NAME,
        override: true,
      },
    );
    instrumented.add(client);
  } catch (error) {
    logger.warn('aws-sdk', `could not instrument an AWS client: ${(error as Error).message}`);
  }
  return client;
}
