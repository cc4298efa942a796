// `hoptrace/lambda`: registers hoptrace's in-process Lambda extension during init, so that
// wrapped handlers return at once and export after the response, before the freeze. Load it
// first: `import 'hoptrace/lambda'` at the top of an ES module handler, or
// `NODE_OPTIONS=--import hoptrace/lambda`. Registration closes when the runtime first asks
// for an invocation, hence the top-level await.
import { readVariable, warnOnce } from '../config/env';
import { logLevel } from '../config/log-level';
import { logger } from '../logger';
import { Extension, SHUTDOWN_WINDOW_MS } from './extension';
import { isMainThread } from 'node:worker_threads';
import { ExtensionsApi } from './extensions-api';
import { extensionState, publishExtensionState, type ExtensionState } from './handoff';
import { ShutdownCoordinator } from './shutdown-channel';

const NAME = 'hoptrace';

/**
 * With an extension registered, Lambda sends SIGTERM before shutdown: a last export, then the
 * signal's default action. Not process.exit(): it would wait for the runtime client's thread,
 * blocked in its long poll, until the SIGKILL.
 */
function exportOnSigterm(extension: Extension): void {
  process.once('SIGTERM', () => {
    void extension.shutdown(Date.now() + SHUTDOWN_WINDOW_MS).then(() => {
      // Other SIGTERM listeners (the application's) decide when to exit.
      if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
    });
  });
}

async function activate(env: NodeJS.ProcessEnv): Promise<ExtensionState> {
  const runtimeApi = env.AWS_LAMBDA_RUNTIME_API;
  if (!runtimeApi) return { reason: 'not in a Lambda runtime (AWS_LAMBDA_RUNTIME_API is not set)' };
  // Managed Instances: never frozen, so nothing to hold; internal extensions there subscribe
  // to no events, and the runtime client's worker threads export in the background.
  const managedInstances = env.AWS_LAMBDA_MAX_CONCURRENCY !== undefined;
  if (!isMainThread) return { reason: 'a worker thread: the main thread registers the extension' };
  const api = new ExtensionsApi(runtimeApi);
  let id: string;
  try {
    id = await api.register(NAME, managedInstances ? [] : ['INVOKE']);
  } catch (error) {
    return { reason: `Lambda refused the extension's registration (${(error as Error).message})` };
  }
  const extension = new Extension(api, id, managedInstances ? new ShutdownCoordinator() : undefined);
  // Init ends once the runtime and every extension have called next.
  void extension.run();
  exportOnSigterm(extension);
  return { extension };
}

logger.setLevel(readVariable(process.env, logLevel, warnOnce));
// Loaded twice (a preload and an import), the first registration stands.
if (!extensionState()) publishExtensionState(await activate(process.env));
