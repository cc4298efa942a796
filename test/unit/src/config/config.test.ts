import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../../src/config/options';

describe('resolveConfig', () => {
  it('uses the defaults on an empty environment', () => {
    const c = resolveConfig({}, {});
    expect(c).toMatchObject({
      disabled: false,
      serviceName: undefined,
      endpoint: undefined,
      compression: 'none',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      propagators: ['tracecontext', 'baggage'],
      acceptInboundBaggage: true,
      flushTimeoutMs: 500,
      requestTimeoutMs: 10_000,
      timeoutGuardMs: 500,
      maxSpansPerInvocation: 1000,
    });
  });

  it('reads the OpenTelemetry variables', () => {
    const c = resolveConfig(
      {},
      {
        OTEL_SERVICE_NAME: 'checkout',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://ingest.example.com/',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D%3D, other = v ,broken',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
        OTEL_PROPAGATORS: 'tracecontext',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=payments',
        OTEL_SDK_DISABLED: 'TRUE',
        OTEL_EXPORTER_OTLP_TIMEOUT: '250',
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '10',
      },
    );
    expect(c.serviceName).toBe('checkout');
    expect(c.endpoint).toBe('https://ingest.example.com/v1/traces');
    expect(c.headers).toEqual({ 'x-api-key': 'abc==', other: 'v' });
    expect(c.compression).toBe('gzip');
    expect(c.sampler).toBe('traceidratio');
    expect(c.samplerRatio).toBe(0.1);
    expect(c.propagators).toEqual(['tracecontext']);
    expect(c.resourceAttributes).toEqual({ 'deployment.environment': 'prod', team: 'payments' });
    expect(c.disabled).toBe(true);
    expect(c.requestTimeoutMs).toBe(250);
    expect(c.spanLimits.attributeCount).toBe(10);
  });

  it("keeps OpenTelemetry's export timeout per request, and reads the flush budget from its own variable", () => {
    const otel = resolveConfig({}, { OTEL_EXPORTER_OTLP_TIMEOUT: '10000' });
    expect(otel).toMatchObject({ flushTimeoutMs: 500, requestTimeoutMs: 10_000 });
    const both = resolveConfig({}, { HOPTRACE_FLUSH_TIMEOUT_MS: '800', OTEL_EXPORTER_OTLP_TIMEOUT: '3000', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '200' });
    expect(both).toMatchObject({ flushTimeoutMs: 800, requestTimeoutMs: 200 });
    expect(resolveConfig({ flushTimeoutMs: 100, requestTimeoutMs: 50 }, { HOPTRACE_FLUSH_TIMEOUT_MS: '800' })).toMatchObject({ flushTimeoutMs: 100, requestTimeoutMs: 50 });
  });

  it('prefers the traces-specific endpoint, used as is', () => {
    const c = resolveConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/custom' });
    expect(c.endpoint).toBe('http://b/custom');
  });

  it('defaults service.name to the function name', () => {
    expect(resolveConfig({}, { AWS_LAMBDA_FUNCTION_NAME: 'orders' }).serviceName).toBe('orders');
  });

  it('lets options override the environment', () => {
    const c = resolveConfig({ serviceName: 'opt', endpoint: 'http://opt', disabled: false, headers: { k: 'opt' } }, {
      OTEL_SERVICE_NAME: 'env',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env',
      OTEL_SDK_DISABLED: 'true',
      OTEL_EXPORTER_OTLP_HEADERS: 'k=env,j=env',
    });
    expect(c).toMatchObject({ serviceName: 'opt', endpoint: 'http://opt', disabled: false, headers: { k: 'opt', j: 'env' } });
  });

  it('falls back to defaults on garbage values', () => {
    const c = resolveConfig({}, { OTEL_TRACES_SAMPLER: 'sometimes', OTEL_TRACES_SAMPLER_ARG: 'lots', OTEL_SDK_DISABLED: 'yes', HOPTRACE_MAX_SPANS: '-5' });
    expect(c).toMatchObject({ sampler: 'parentbased_always_on', samplerRatio: 1, disabled: false, maxSpansPerInvocation: 1000 });
  });

  it('stops inbound baggage by option or HOPTRACE_ACCEPT_INBOUND_BAGGAGE, the option winning', () => {
    expect(resolveConfig({}, { HOPTRACE_ACCEPT_INBOUND_BAGGAGE: 'false' }).acceptInboundBaggage).toBe(false);
    expect(resolveConfig({ acceptInboundBaggage: true }, { HOPTRACE_ACCEPT_INBOUND_BAGGAGE: 'false' }).acceptInboundBaggage).toBe(true);
    expect(resolveConfig({ acceptInboundBaggage: false }, {}).acceptInboundBaggage).toBe(false);
  });
});
