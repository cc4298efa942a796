import { run } from './commands';
import { CliError } from './errors';

// The local tools run on Node 20, where every AWS SDK client warns about Node 22; the notice
// says nothing about the read.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The reader went away (`hoptrace traces | head -1`): what is left to print has no one to
// read it, so stop quietly, as the shell's own tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

try {
  await run(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    note: (text) => process.stderr.write(`hoptrace: ${text}\n`),
  });
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  (error.exitCode === 0 ? process.stdout : process.stderr).write(
    `${error.exitCode === 0 ? '' : 'hoptrace: '}${error.message}\n`,
  );
  process.exitCode = error.exitCode;
}
