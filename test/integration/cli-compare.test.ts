import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SideComparison } from '../../cli/src/analysis/compare-sides';
import type { TraceComparison } from '../../cli/src/analysis/compare-traces';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createStream, startKinesalite, type LocalKinesis } from '../../testing/kinesis';
import { canary, canaryTrace, writeCanary } from '../unit/cli/canary-fixture';
import { hoptraceJson } from '../unit/cli/run-cli';
import { record, traceId } from '../unit/cli/traces';

// The canary comparison and the narrowed trace as a user runs them: the hoptrace command in a
// process of its own (the workspace's bin), on files and on the archive (DuckDB); and the same
// comparisons on a stream (kinesalite), read in the test's process.

const BIN = fileURLToPath(new URL('../../node_modules/.bin/hoptrace', import.meta.url));
const exec = promisify(execFile);
let dir: string;
let records: string;
let table: string;

async function hoptrace(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

type Run = Awaited<ReturnType<typeof hoptrace>>;
let runs: { files: Run; archive: Run; typical: Run; critical: Run; same: Run };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-compare-bin-'));
  records = join(dir, 'records');
  table = join(dir, 'table');
  await writeCanary(records, table);
  // One start of each run, all at once: a command's start (tsx) is most of its time.
  const [files, archive, typical, critical, same] = await Promise.all([
    hoptrace('compare', '--by', 'faas.version', '1', '2', '--json', '--dir', records),
    hoptrace('compare', '--by', 'faas.version', '1', '2', '--json', '--archive', table),
    hoptrace('compare', traceId(canaryTrace(2, 39)), '--json', '--archive', table),
    hoptrace('trace', traceId(canaryTrace(2, 39)), '--critical', '--archive', table),
    hoptrace('compare', traceId(5), traceId(5), '--dir', records),
  ]);
  runs = { files: files!, archive: archive!, typical: typical!, critical: critical!, same: same! };
  kinesis = await startKinesalite();
  await createStream(kinesis.client, STREAM, 2);
  await kinesis.client.send(
    new PutRecordsCommand({
      StreamName: STREAM,
      Records: canary.map((specs, i) => ({ PartitionKey: String(i), Data: record(specs) })),
    }),
  );
}, 120_000);

afterAll(async () => {
  await kinesis?.close();
  rmSync(dir, { recursive: true, force: true });
});

const STREAM = 'compare-canary';
let kinesis: LocalKinesis;

describe('hoptrace compare and trace --critical, run as a command', () => {
  it('compare --by faas.version on files and on the archive: the same answer, the canary slower', () => {
    const { files, archive } = runs;
    expect([files.code, files.stderr, archive.code, archive.stderr]).toEqual([0, '', 0, '']);
    const result = JSON.parse(files.stdout) as SideComparison;
    expect(JSON.parse(archive.stdout)).toEqual(result);
    expect(result.operations.find((o) => o.name === 'GET /items')!.delta).toEqual({
      p50Ms: 221,
      p95Ms: 383,
      p99Ms: 401,
      errorRate: 0.05,
    });
  });

  it('compare <trace> with its typical one, and trace --critical, from the archive', () => {
    const { typical, critical } = runs;
    expect([typical.code, critical.code]).toEqual([0, 0]);
    // Version 1 and 2 share the root api: GET /items; of the 80 root durations the median (40th) is 139 ms, trace 1000 + 39's.
    expect((JSON.parse(typical.stdout) as TraceComparison).b.traceId).toBe(traceId(canaryTrace(1, 39)));
    expect(critical.stdout).toMatch(/time per service and operation/);
    expect(critical.stdout).toContain('/custom/api-canary (eu-west-1)');
  });

  it('bad input exits 2 with the reason on stderr', () => {
    const { same } = runs;
    expect([same.code, same.stdout]).toEqual([2, '']);
    expect(same.stderr).toBe(
      `hoptrace: compare ${traceId(5)} ${traceId(5)}: the same trace twice; give two traces, or one to compare with its operation's typical trace\n`,
    );
  });
});

describe('compare and stats --by on a stream', () => {
  const stream = (): string[] => ['--stream', STREAM, '--endpoint', kinesis.endpoint];

  it('answer as on files: compare --by, compare <trace> (two reads of the stream) and stats --by', async () => {
    for (const argv of [
      ['compare', '--by', 'faas.version', '1', '2'],
      ['compare', traceId(canaryTrace(2, 39))],
      ['stats', '--by', 'tenant'],
    ]) {
      expect(await hoptraceJson(...argv, ...stream())).toEqual(await hoptraceJson(...argv, '--dir', records));
    }
  });
});
