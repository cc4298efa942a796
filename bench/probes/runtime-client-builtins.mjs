// Preloaded (--import) ahead of a handler to stand for the runtime client: an ES module, as
// the client is, with the public Node builtins it has loaded when it loads the handler,
// beyond what Node itself loads, for the client Lambda runs on this Node (aws-lambda-ric 3.x
// before Node 24, 4.x from it). Read from process.moduleLoadList inside a handler under the
// real clients; checked by test/integration/runtime-client-builtins.test.ts.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ric4 = Number(process.versions.node.split('.')[0]) >= 24;
const ids = [
  'http',
  'net',
  'stream/promises',
  'string_decoder',
  'diagnostics_channel',
  ...(ric4 ? ['os', 'worker_threads'] : ['assert']),
];
for (const id of ids) require(`node:${id}`);
