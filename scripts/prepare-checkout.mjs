// npm's prepare step of this checkout (`npm ci`, `npm install`; never run when hoptrace is
// installed as a dependency): what the tests need beyond the lock file. First the Debian
// packages (scripts/setup-system.sh), then the Lambda runtime interface clients the tests run
// handlers under, which build native code with those tools: a project of their own
// (tools/lambda-runtime-client/), so that the library's install never needs a compiler.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const CLIENT = 'tools/lambda-runtime-client';
const STAMP = `${CLIENT}/node_modules/.installed-from`;

// Only in the checkout itself: npm also runs prepare for a git or file dependency, in a
// directory of its own (INIT_CWD is then the project that depends on hoptrace).
const inCheckout =
  process.env.INIT_CWD === process.cwd() && existsSync('.git') && existsSync(`${CLIENT}/package-lock.json`);
if (!['ci', 'install'].includes(process.env.npm_command ?? '') || !inCheckout) process.exit(0);
execFileSync('bash', ['scripts/setup-system.sh'], { stdio: 'inherit' });
// A rebuild takes minutes: only when the client's lock file changed since the last one.
const lock = createHash('sha256')
  .update(readFileSync(`${CLIENT}/package-lock.json`))
  .digest('hex');
if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === lock) process.exit(0);
console.error(
  'hoptrace: building the Lambda runtime interface clients for the tests (tools/lambda-runtime-client, a few minutes)',
);
execFileSync('npm', ['ci', '--prefix', CLIENT, '--no-audit', '--no-fund'], { stdio: 'inherit' });
writeFileSync(STAMP, lock);
