import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { metadataValue } from '../../../../src/powertools/attributes';
import { Tracer } from '../../../../src/powertools/index';
import { lambdaContext } from '../../../helpers/lambda';
import { attr, type OtlpSpan } from '../../../../testing/otlp-receiver';
import { useReceiver } from '../../../helpers/test-bed';

const receiver = useReceiver();

function inLambda(env: Record<string, string> = {}): void {
  vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs20.x');
  vi.stubEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', receiver().url);
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
}

afterEach(() => vi.unstubAllEnvs());

const context = (name: string) => ({ kind: 'method', name }) as ClassMethodDecoratorContext;
const byName = (name: string): OtlpSpan =>
  receiver()
    .spans()
    .find((s) => s.name === name)!;

describe('metadata values', () => {
  it('keeps primitives, writes the JSON text of the rest, String() where there is none, nothing for undefined', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect([metadataValue('a'), metadataValue(2), metadataValue(false)]).toEqual(['a', 2, false]);
    expect(metadataValue({ a: [1, { b: null }] })).toBe('{"a":[1,{"b":null}]}');
    expect(metadataValue(cycle)).toBe('[object Object]');
    expect(metadataValue(10n)).toBe('10');
    expect(metadataValue(undefined)).toBeUndefined();
  });
});

describe('Tracer', () => {
  it('outside Lambda (no AWS_EXECUTION_ENV), as Powertools: off, and the decorators hand back the method itself', () => {
    const tracer = new Tracer({ serviceName: 'orders' });
    const method = async () => 1;
    expect(tracer.isTracingEnabled()).toBe(false);
    expect(tracer.captureMethod()(method, context('m'))).toBe(method);
    expect(tracer.captureLambdaHandler()(method, context('handler'))).toBe(method);
    expect(tracer.isTraceSampled()).toBe(false);
  });

  it('standard decorators work as the legacy ones: a traced handler whose method spans carry annotations and metadata', async () => {
    inLambda();
    const tracer = new Tracer({ serviceName: 'orders' });
    const charge = tracer.captureMethod()(async function charge(this: { fee: number }) {
      tracer.putAnnotation('kind', 'card');
      tracer.putMetadata('order', { id: 7 }, 'shop');
      return this.fee;
    }, context('charge'));
    const handler = tracer.captureLambdaHandler()(async function handler(
      this: { fee: number; charge: typeof charge },
      _event: unknown,
      _context: unknown,
    ) {
      return { fee: await this.charge(), root: tracer.getRootXrayTraceId(), sampled: tracer.isTraceSampled() };
    }, context('handler'));
    const instance = { fee: 3, charge, handler };
    const ctx = lambdaContext();
    const result = (await instance.handler({}, ctx)) as { fee: number; root: string; sampled: boolean };
    const method = byName('### charge');
    const root = receiver()
      .spans()
      .find((s) => s.spanId === method.parentSpanId)!;
    expect(result.fee).toBe(3);
    expect(result.sampled).toBe(true);
    expect(result.root).toBe(`1-${root.traceId.slice(0, 8)}-${root.traceId.slice(8)}`);
    expect(attr(method, 'xray.annotation.kind')).toBe('card');
    expect(attr(method, 'xray.metadata.shop.order')).toBe('{"id":7}');
    expect(attr(method, 'xray.metadata.orders.charge response')).toBe(3);
    expect(attr(root, 'xray.annotation.Service')).toBe('orders');
    expect(attr(root, 'xray.annotation.ColdStart')).toBe(true);
    expect(attr(root, 'faas.invocation_id')).toBe(ctx.awsRequestId);
  });

  it('POWERTOOLS_TRACER_CAPTURE_RESPONSE=false and _CAPTURE_ERROR=false: no response metadata, the error status without its details', async () => {
    inLambda({
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency',
    });
    const tracer = new Tracer();
    const fail = tracer.captureMethod({ subSegmentName: 'fails' })(async () => {
      throw new Error('secret detail');
    }, context('fail'));
    const handler = tracer.captureLambdaHandler()(async (_event: unknown, _context: unknown) => {
      await fail().catch(() => undefined);
      return 'done';
    }, context('handler'));
    expect(await handler({}, lambdaContext())).toBe('done');
    const failed = byName('fails');
    const root = receiver()
      .spans()
      .find((s) => s.spanId === failed.parentSpanId)!;
    expect(failed.status?.code).toBe(2);
    expect(failed.status?.message).toBeUndefined();
    expect(failed.events ?? []).toEqual([]);
    expect(root.attributes.filter((a) => a.key.startsWith('xray.metadata.'))).toEqual([]);
    // Unnamed, as Powertools names it; provisioned sandboxes have no cold start.
    expect(attr(root, 'xray.annotation.Service')).toBe('service_undefined');
    expect(attr(root, 'xray.annotation.ColdStart')).toBe(false);
  });

  it('addErrorAsMetadata records the error on the active span; remote errors are marked', async () => {
    inLambda();
    const tracer = new Tracer({ serviceName: 'orders' });
    await trace.getTracer('t').startActiveSpan('call', async (span) => {
      tracer.addErrorAsMetadata(new Error('downstream said no'), true);
      span.end();
    });
    await new Tracer().captureLambdaHandler()(
      async (_event: unknown, _context: unknown) => undefined,
      context('handler'),
    )({}, lambdaContext());
    const call = byName('call');
    expect(call.status).toMatchObject({ code: 2, message: 'downstream said no' });
    expect(attr(call.events!.find((e) => e.name === 'exception')!, 'exception.message')).toBe('downstream said no');
    expect(attr(call, 'xray.exception.remote')).toBe(true);
  });

  it('what cannot map is harmless: no segment, setSegment ignored, the v2 SDK handed back, no active span no attribute', () => {
    inLambda();
    const tracer = new Tracer();
    const sdk = { S3: class {} };
    expect(tracer.getSegment()).toBeUndefined();
    expect(() => tracer.setSegment({})).not.toThrow();
    expect(tracer.captureAWS(sdk)).toBe(sdk);
    expect(tracer.captureAWSClient(sdk)).toBe(sdk);
    expect(() => tracer.putAnnotation('k', 1)).not.toThrow();
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
    expect(tracer.getRootXrayTraceId()).toBe('1-5759e988-bd862e3fe1be46a994272793');
  });
});
