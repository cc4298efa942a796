import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVERLESS_BIN = fileURLToPath(new URL('../node_modules/serverless/bin/serverless.js', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Offline {
  readonly httpUrl: string;
  readonly lambdaPort: number;
  output(): string;
  /** Invokes a function through serverless-offline's Lambda API, as the Lambda service would. */
  invoke(functionName: string, event: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * Starts `serverless offline` (the real local Lambda emulator) for the service in `dir`
 * and waits until its HTTP server is ready.
 */
export interface OfflineOptions {
  /** Ports chosen ahead, when the service's own environment must name them. */
  httpPort?: number;
  lambdaPort?: number;
  readyTimeoutMs?: number;
}

/** Process groups of the `serverless offline` processes still running. */
const running = new Set<number>();

/**
 * `serverless offline` runs in a process group of its own (so that it and everything it
 * starts can be stopped together), which a terminal's Ctrl-C does not reach: whatever way
 * this process ends, a group still running is killed on the way out.
 */
function killOnExit(pid: number): void {
  if (running.size === 0) process.on('exit', killRunning);
  running.add(pid);
}

function killRunning(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  running.clear();
}

export async function startOffline(
  dir: string,
  env: Record<string, string>,
  options: OfflineOptions = {},
): Promise<Offline> {
  const httpPort = options.httpPort ?? (await freePort());
  const lambdaPort = options.lambdaPort ?? (await freePort());
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      SERVERLESS_BIN,
      'offline',
      'start',
      '--host',
      '127.0.0.1',
      '--httpPort',
      String(httpPort),
      '--lambdaPort',
      String(lambdaPort),
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        SLS_DEPRECATION_DISABLE: '*',
        // Each run's functions spool in a directory of their own, as each Lambda sandbox has its
        // own /tmp: in the shared default, what one run left (spooled or journalled spans) was
        // sent by the next run's functions into that run's stream.
        HOPTRACE_LOCAL_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'hoptrace-offline-spool-')),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  if (child.pid !== undefined) killOnExit(child.pid);
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serverless offline not ready after ${readyTimeoutMs} ms:\n${output}`)),
      readyTimeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Server ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serverless offline exited with ${code}:\n${output}`));
    });
  });
  const stop = async (): Promise<void> => {
    if (child.pid === undefined) return;
    const pid = child.pid;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(-pid, 'SIGTERM');
      const timer = setTimeout(() => process.kill(-pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    // Whatever it started in its group and left behind goes with it.
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is empty.
    }
    running.delete(pid);
  };
  try {
    await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  const invoke = async (functionName: string, event: unknown): Promise<unknown> => {
    const res = await fetch(`http://127.0.0.1:${lambdaPort}/2015-03-31/functions/${functionName}/invocations`, {
      method: 'POST',
      body: JSON.stringify(event),
    });
    const text = await res.text();
    if (res.headers.get('x-amz-function-error')) throw new Error(`${functionName} failed: ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return { httpUrl: `http://127.0.0.1:${httpPort}`, lambdaPort, output: () => output, invoke, stop };
}
