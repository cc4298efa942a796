import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RUNTIME_CLIENT_BUILTINS } from '../../bench/init-instructions';
import { LambdaRuntimeApi } from '../../testing/lambda-runtime-api';
import { deployment, RIC, startSandbox } from '../../testing/lambda-sandbox';

// The bench counts init instructions a second way, with the builtins the runtime client has
// loaded before the handler preloaded: its list must not go stale as the client changes.

const PUBLIC_BUILTINS =
  "process.moduleLoadList.filter((m) => m.startsWith('NativeModule ') && !m.startsWith('NativeModule internal/')).map((m) => m.slice(13))";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe(`the bench's stand-in for aws-lambda-ric ${RIC}.x's builtins`, () => {
  it('loads the public builtins the runtime client has loaded when it loads the handler, and no other', async () => {
    const task = await deployment({
      'index.js': `require('node:fs').writeFileSync(require('node:path').join(__dirname, 'loaded.json'), JSON.stringify(${PUBLIC_BUILTINS}));\nexports.handler = async () => ({ ok: true });\n`,
    });
    cleanups.push(task.remove);
    const api = await LambdaRuntimeApi.start();
    cleanups.push(() => api.close());
    const sandbox = startSandbox(api.address, task.root);
    cleanups.push(sandbox.kill);
    api.attach(sandbox.child.pid!);
    await api.invoke({});
    const underClient = JSON.parse(readFileSync(join(task.root, 'loaded.json'), 'utf8')) as string[];
    const preloaded = JSON.parse(
      execFileSync(process.execPath, [
        '--import',
        RUNTIME_CLIENT_BUILTINS,
        '-p',
        `JSON.stringify(${PUBLIC_BUILTINS})`,
      ]).toString(),
    ) as string[];
    expect(underClient).toContain('http');
    expect(underClient.filter((id) => !preloaded.includes(id))).toEqual([]);
    expect(preloaded.filter((id) => !underClient.includes(id))).toEqual([]);
  });
});
