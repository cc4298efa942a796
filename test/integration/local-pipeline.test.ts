import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('npm start', () => {
  it('runs the whole pipeline and prints the traces read back from the stream', async () => {
    const { stdout } = await run(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'local/start.ts'], {
      cwd: ROOT,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      timeout: 120_000,
    });
    expect(stdout).toContain('active');
    expect(stdout).toMatch(/read the stream back: \d+ spans in 4 trace\(s\)/);
    // One order crosses HTTP, SQS and SNS → SQS: four services in one trace.
    expect(stdout).toMatch(/trace [0-9a-f]{32} {2}17 spans, 4 service\(s\)/);
    for (const hop of [
      'POST /orders',
      'GET /inventory/{sku}',
      'send orders',
      'process orders',
      'publish shipments',
      'process shipments-notify',
    ]) {
      expect(stdout).toContain(hop);
    }
    expect(stdout).toContain('❄ cold start');
    expect(stdout).toContain('✗ mail provider rejected the address');
    // Read back by the hoptrace command's modules: stats, the map, the HTML report.
    expect(stdout).toMatch(/orders-api +POST \/orders +4 +0 /);
    expect(stdout).toContain('orders-api ───sync──▶ inventory  (4 call(s)');
    expect(stdout).toContain('orders-api ╌╌async╌╌▶ fulfilment  (3 call(s)');
    expect(stdout).toContain('fulfilment ╌╌async╌╌▶ notifier  (3 call(s), 1 error(s)');
    const report = /HTML report: (\S+)/.exec(stdout)![1]!;
    expect(readFileSync(report, 'utf8')).toContain('<!doctype html>');
    // Every span the functions sent is accounted for, and hoptrace's own warnings surface.
    // An export that overran its budget is spooled and sent again: the stream then holds duplicates.
    const accounting =
      /spans: (\d+) sent by the functions, (\d+) landed in the stream( \(\d+ duplicate\(s\) dropped\))?\n/;
    expect(stdout).toMatch(accounting);
    const [, sent, landed] = accounting.exec(stdout)!;
    expect(Number(sent)).toBeGreaterThan(40);
    expect(landed).toBe(sent);
    expect(stdout).toMatch(/hoptrace's warnings: none|hoptrace's warnings \(\d+\):\n {2}\[hoptrace\]/);
    // The archive function, handed the stream's batches, wrote the span table into the S3 stand-in.
    expect(stdout).toMatch(
      /span table: [1-9]\d* row\(s\) as Parquet in \S+\/\.hoptrace\/archive\/spans \(0 record\(s\) refused\)/,
    );
    expect(stdout).toMatch(/done in [\d.]+ s/);
  }, 150_000);
});
