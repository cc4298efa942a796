import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../../../src/config/options';

describe('resolveConfig', () => {
  afterEach(() => vi.restoreAllMocks());

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
    const both = resolveConfig(
      {},
      {
        HOPTRACE_FLUSH_TIMEOUT_MS: '800',
        OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '200',
      },
    );
    expect(both).toMatchObject({ flushTimeoutMs: 800, requestTimeoutMs: 200 });
    expect(
      resolveConfig({ flushTimeoutMs: 100, requestTimeoutMs: 50 }, { HOPTRACE_FLUSH_TIMEOUT_MS: '800' }),
    ).toMatchObject({ flushTimeoutMs: 100, requestTimeoutMs: 50 });
  });

  it('prefers the traces-specific endpoint, used as is', () => {
    const c = resolveConfig(
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/custom' },
    );
    expect(c.endpoint).toBe('http://b/custom');
  });

  it('defaults service.name to the function name', () => {
    expect(resolveConfig({}, { AWS_LAMBDA_FUNCTION_NAME: 'orders' }).serviceName).toBe('orders');
  });

  it('lets options override the environment', () => {
    const c = resolveConfig(
      { serviceName: 'opt', endpoint: 'http://opt', disabled: false, headers: { k: 'opt' } },
      {
        OTEL_SERVICE_NAME: 'env',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://env',
        OTEL_SDK_DISABLED: 'true',
        OTEL_EXPORTER_OTLP_HEADERS: 'k=env,j=env',
      },
    );
    expect(c).toMatchObject({
      serviceName: 'opt',
      endpoint: 'http://opt',
      disabled: false,
      headers: { k: 'opt', j: 'env' },
    });
  });

  it('falls back to defaults on garbage values', () => {
    const c = resolveConfig(
      {},
      {
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: 'lots',
        OTEL_SDK_DISABLED: 'yes',
        HOPTRACE_MAX_SPANS: '-5',
      },
    );
    expect(c).toMatchObject({
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      disabled: false,
      maxSpansPerInvocation: 1000,
    });
  });

  it('stops inbound baggage by option or HOPTRACE_ACCEPT_INBOUND_BAGGAGE, the option winning', () => {
    expect(resolveConfig({}, { HOPTRACE_ACCEPT_INBOUND_BAGGAGE: 'false' }).acceptInboundBaggage).toBe(false);
    expect(
      resolveConfig({ acceptInboundBaggage: true }, { HOPTRACE_ACCEPT_INBOUND_BAGGAGE: 'false' }).acceptInboundBaggage,
    ).toBe(true);
    expect(resolveConfig({ acceptInboundBaggage: false }, {}).acceptInboundBaggage).toBe(false);
  });

  it('warns once of a compression it does not know and sends uncompressed, where it ignored it silently', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const both = { OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'br', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' };
    expect(resolveConfig({}, both).compression).toBe('none');
    expect(resolveConfig({}, { OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'br' }).compression).toBe('none');
    expect(warn.mock.calls).toEqual([
      ['[hoptrace] OTEL_EXPORTER_OTLP_TRACES_COMPRESSION="br" must be gzip or none; the default is used.'],
    ]);
    expect(resolveConfig({ compression: 'gzip' }, { OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' }).compression).toBe('gzip');
  });

  // Each case names variables no other case sets badly: the library warns once per variable per process.
  it('keeps the well-formed export headers of a list with a malformed one, and never logs their values', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const env = { OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-api-key=s3cret,Authorization: Bearer t0ken' };
    expect(resolveConfig({}, env).headers).toEqual({ 'x-api-key': 's3cret' });
    const logged = warn.mock.calls.join();
    expect(logged).toMatch(/OTEL_EXPORTER_OTLP_TRACES_HEADERS \(value not shown\) must be k=v pairs/);
    expect(logged).toMatch(/\(member 2 is not\); the rest is used\.$/);
    expect(logged).not.toMatch(/s3cret|t0ken/);
  });

  it('warns of bad propagators, instrumentations, limits and spool sizes, keeping their defaults', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const c = resolveConfig(
      {},
      {
        OTEL_PROPAGATORS: ' , ',
        OTEL_NODE_DISABLED_INSTRUMENTATIONS: ',',
        HOPTRACE_SPOOL_MAX_BYTES: 'big',
        OTEL_SPAN_LINK_COUNT_LIMIT: '-2',
      },
    );
    expect(c).toMatchObject({
      propagators: ['tracecontext', 'baggage'],
      disabledInstrumentations: [],
      spool: { maxBytes: 10 * 1024 * 1024 },
      spanLimits: { linkCount: 128 },
    });
    expect(warn.mock.calls.map((call) => String(call[0]).split('=')[0])).toEqual([
      '[hoptrace] OTEL_PROPAGATORS',
      '[hoptrace] OTEL_NODE_DISABLED_INSTRUMENTATIONS',
      '[hoptrace] OTEL_SPAN_LINK_COUNT_LIMIT',
      '[hoptrace] HOPTRACE_SPOOL_MAX_BYTES',
    ]);
  });
});
