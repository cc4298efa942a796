import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { context, propagation, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceMap, Stats, TraceDetail, TraceSummary } from '../../cli/src/model';
import { startLocalIngest, type LocalIngest } from '../../testing/ingest-stack';
import { withTracing } from '../../src/index';
import { httpApiEvent, lambdaContext } from '../helpers/lambda';

// End to end: wrapped handlers export to the ingest (serverless-offline), which writes to
// kinesalite; the hoptrace command, run as `npx hoptrace` runs it (the workspace's bin in
// node_modules/.bin, TypeScript through tsx), reads the stream back.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = `${ROOT}node_modules/.bin/hoptrace`;
const STREAM = 'cli-e2e';
const exec = promisify(execFile);

let ingest: LocalIngest;
const traceIds: string[] = [];

async function hoptrace(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { cwd: ROOT, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const fromStream = (): string[] => ['--stream', STREAM, '--endpoint', ingest.kinesis.endpoint];

beforeAll(async () => {
  ingest = await startLocalIngest(STREAM, 2);
  const endpoint = `${ingest.url}/v1/traces`;
  const inventory = withTracing(
    async (event: { rawPath: string }) => {
      if (event.rawPath.endsWith('/none')) throw new Error('out of stock');
      return { statusCode: 200 };
    },
    { endpoint, serviceName: 'inventory' },
  );
  const api = withTracing(
    async (event: { sku: string }) => {
      traceIds.push(trace.getActiveSpan()!.spanContext().traceId);
      return trace.getTracer('api').startActiveSpan('GET inventory', async (span) => {
        const headers: Record<string, string> = {};
        propagation.inject(context.active(), headers);
        try {
          await inventory(
            { ...httpApiEvent(headers, 'GET /inventory/{sku}'), rawPath: `/inventory/${event.sku}` } as never,
            lambdaContext({ functionName: 'inventory' }),
          );
          return { statusCode: 200 };
        } catch {
          return { statusCode: 409 };
        } finally {
          span.end();
        }
      });
    },
    { endpoint, serviceName: 'api' },
  );
  for (const sku of ['widget', 'none', 'gadget']) await api({ sku } as never, lambdaContext({ functionName: 'api' }));
}, 180_000);

afterAll(() => ingest?.stop());

describe('hoptrace reads the stream back', () => {
  it('traces, trace, stats and map from kinesalite', async () => {
    const traces = await hoptrace(['traces', '--json', ...fromStream()]);
    expect(traces.stderr).toBe('');
    const rows = JSON.parse(traces.stdout) as TraceSummary[];
    expect(rows.map((r) => r.traceId).sort()).toEqual([...traceIds].sort());
    expect(rows.every((r) => r.services.join() === 'api,inventory' && r.spanCount >= 3)).toBe(true);
    expect(rows.filter((r) => r.errorCount > 0)).toHaveLength(1);
    // Each wrapped handler stands for a function of its own: the first trace holds both
    // functions' first invocations, the two cold starts.
    expect(rows.map((r) => r.coldStarts).sort()).toEqual([0, 0, 2]);

    const failed = JSON.parse(
      (await hoptrace(['traces', '--json', '--errors', ...fromStream()])).stdout,
    ) as TraceSummary[];
    expect(failed.map((r) => r.traceId)).toEqual([traceIds[1]]);

    const detail = JSON.parse(
      (await hoptrace(['trace', traceIds[1]!, '--json', ...fromStream()])).stdout,
    ) as TraceDetail;
    expect(detail.orphans).toEqual([]);
    const inventoryRoot = detail.spans.find(
      (s) =>
        s.service === 'inventory' &&
        s.parentSpanId !== undefined &&
        detail.spans.find((p) => p.spanId === s.parentSpanId)?.service === 'api',
    )!;
    expect(inventoryRoot).toMatchObject({ status: 'error', critical: true });
    expect(detail.spans[0]).toMatchObject({ service: 'api', startMs: 0, critical: true });

    const text = await hoptrace(['trace', traceIds[1]!, ...fromStream()]);
    expect(text.stdout).toContain('✗ out of stock');

    const stats = JSON.parse((await hoptrace(['stats', '--json', ...fromStream()])).stdout) as Stats;
    expect(stats.traces).toMatchObject({ count: 3, withOrphans: 0 });
    expect(stats.functions.map((f) => [f.service, f.invocations])).toEqual([
      ['api', 3],
      ['inventory', 3],
    ]);
    const map = JSON.parse((await hoptrace(['map', '--json', ...fromStream()])).stdout) as ServiceMap;
    expect(map.edges).toEqual([
      expect.objectContaining({ from: 'api', to: 'inventory', kind: 'sync', count: 3, errors: 1 }),
    ]);
  }, 120_000);

  it('a stream that does not exist: a clear message and a non-zero exit', async () => {
    const { code, stderr } = await hoptrace([
      'traces',
      '--stream',
      'no-such-stream',
      '--endpoint',
      ingest.kinesis.endpoint,
    ]);
    expect(code).toBe(1);
    expect(stderr).toBe(`hoptrace: stream "no-such-stream" does not exist at ${ingest.kinesis.endpoint}\n`);
  }, 60_000);

  it('no AWS credentials or no region: a clear message and a non-zero exit', async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: '/nonexistent',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    };
    const { code, stderr } = await hoptrace(['traces', '--stream', STREAM, '--region', 'eu-west-1'], env);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^hoptrace: no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
    const noRegion = await hoptrace(['traces', '--stream', STREAM], {
      ...env,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
    });
    expect([noRegion.code, noRegion.stderr]).toEqual([1, 'hoptrace: no AWS region: pass --region or set AWS_REGION\n']);
  }, 60_000);
});
