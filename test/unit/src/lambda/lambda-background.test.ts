import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OtlpExporter } from '../../../../src/exporter/exporter';
import { SpanBatcher } from '../../../../src/lambda/batcher';
import { tenantId, xrayTraceHeader } from '../../../../src/lambda/request-data';
import { Redactor } from '../../../../src/redaction';
import { OtlpReceiver } from '../../../../testing/otlp-receiver';
import { endedSpans as spans } from '../../../helpers/recording-spans';

describe('SpanBatcher (Managed Instances)', () => {
  let receiver: OtlpReceiver;
  let exporter: OtlpExporter;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    exporter = new OtlpExporter({
      endpoint: receiver.url,
      headers: {},
      compression: 'none',
      requestTimeoutMs: 10_000,
      maxExportBytes: 1024 * 1024,
      resource: {},
      redactor: new Redactor([]),
      spool: undefined,
    });
  });
  afterEach(() => receiver.reset());
  afterAll(() => receiver.close());

  it('sends once a batch is full, pooling many invocations into one request', async () => {
    const batcher = new SpanBatcher(exporter, { maxSpans: 10, maxAgeMs: 3_600_000, timeoutMs: 5000 });
    for (let i = 0; i < 4; i++) batcher.add(spans(3));
    await vi.waitFor(() => expect(receiver.spans()).toHaveLength(12));
    expect(receiver.requests).toHaveLength(1);
  });

  it('sends a batch that is not full once its oldest span is old enough', async () => {
    const batcher = new SpanBatcher(exporter, { maxSpans: 1000, maxAgeMs: 20, timeoutMs: 5000 });
    batcher.add(spans(2));
    batcher.add(spans(1));
    await vi.waitFor(() => expect(receiver.spans()).toHaveLength(3));
    expect(receiver.requests).toHaveLength(1);
  });

  it('flush sends what is pooled at once and settles when it is delivered', async () => {
    const batcher = new SpanBatcher(exporter, { maxSpans: 1000, maxAgeMs: 3_600_000, timeoutMs: 5000 });
    batcher.add(spans(5));
    batcher.add([]);
    await batcher.flush(Date.now() + 5000);
    expect(receiver.spans()).toHaveLength(5);
  });

  it("starts a batch's time when its own send starts, so one queued behind a slow send still gets its whole timeout", async () => {
    const calls: Array<{ startedAt: number; deadlineMs: number }> = [];
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const fake = {
      export: async (_batch: unknown, deadlineMs: number) => {
        calls.push({ startedAt: Date.now(), deadlineMs });
        if (calls.length === 1) await slow;
      },
    };
    const batcher = new SpanBatcher(fake as unknown as OtlpExporter, {
      maxSpans: 1,
      maxAgeMs: 3_600_000,
      timeoutMs: 50,
    });
    batcher.add(spans(1));
    batcher.add(spans(1));
    // The first send outlasts the second's timeout before the second may start.
    await new Promise((resolve) => setTimeout(resolve, 80));
    release();
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]!.deadlineMs).toBeGreaterThan(calls[1]!.startedAt);
  });
});

describe('per-request data', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    delete (globalThis as { awslambda?: unknown }).awslambda;
    vi.resetModules();
  });

  const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

  it('reads the X-Ray header and tenant from the invocation context first', () => {
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=1');
    expect(xrayTraceHeader({ xRayTraceId: HEADER })).toBe(HEADER);
    expect(tenantId({ tenantId: 'acme' })).toBe('acme');
  });

  it('then from the runtime’s invoke store, called as its methods', () => {
    const store = {
      header: HEADER,
      tenant: 'acme',
      getXRayTraceId(this: { header: string }) {
        return this.header;
      },
      getTenantId(this: { tenant: string }) {
        return this.tenant;
      },
    };
    (globalThis as { awslambda?: unknown }).awslambda = { InvokeStore: store };
    expect(xrayTraceHeader({})).toBe(HEADER);
    expect(tenantId(undefined)).toBe('acme');
  });

  it('ignores an invoke store that throws or returns nothing usable', () => {
    (globalThis as { awslambda?: unknown }).awslambda = {
      InvokeStore: {
        getXRayTraceId: () => {
          throw new Error('no context');
        },
        getTenantId: () => 42,
      },
    };
    expect(xrayTraceHeader({})).toBeUndefined();
    expect(tenantId({})).toBeUndefined();
  });

  it('falls back to _X_AMZN_TRACE_ID only when one process serves one invocation at a time', async () => {
    vi.stubEnv('_X_AMZN_TRACE_ID', HEADER);
    expect(xrayTraceHeader({})).toBe(HEADER);
    vi.resetModules();
    vi.stubEnv('AWS_LAMBDA_MAX_CONCURRENCY', '8');
    const managed = await import('../../../../src/lambda/request-data');
    expect(managed.xrayTraceHeader({})).toBeUndefined();
  });
});
