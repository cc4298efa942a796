import { execFile } from 'node:child_process';
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
    expect(stdout).toMatch(/read \d+ record\(s\) back from the stream: \d+ spans in 4 trace\(s\)/);
    // One order crosses HTTP, SQS and SNS → SQS: four services in one trace.
    expect(stdout).toMatch(/trace [0-9a-f]{32} {2}17 spans, 4 service\(s\)/);
    for (const hop of ['POST /orders', 'GET /inventory/{sku}', 'send orders', 'process orders', 'publish shipments', 'process shipments-notify']) {
      expect(stdout).toContain(hop);
    }
    expect(stdout).toContain('❄ cold start');
    expect(stdout).toContain('✗ mail provider rejected the address');
    expect(stdout).toMatch(/done in [\d.]+ s/);
  }, 150_000);
});
