import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVERLESS = join(ROOT, 'node_modules/serverless/bin/serverless.js');
/** No telemetry, no account: `serverless package` needs neither. */
export const PACKAGE_ENV = {
  ...process.env,
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
};

export type Resource = {
  Type: string;
  Properties: Record<string, any>;
  Metadata?: Record<string, any>;
  DependsOn?: string | string[];
};
export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Packaged {
  /** Where the zips and templates are. */
  dir: string;
  /** The template `serverless deploy` would send (cloudformation-template-update-stack.json). */
  templateFile: string;
  template: Template;
}

/** What `serverless package` makes of serverless.yml and infra/ for a stage, in a new folder. */
export async function packageStack(
  stage: string,
  options: { env?: Record<string, string>; args?: string[]; dir?: string } = {},
): Promise<Packaged> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `hoptrace-package-${stage}-`));
  await run(
    process.execPath,
    [SERVERLESS, 'package', '--stage', stage, '--region', 'eu-west-1', '--package', dir, ...(options.args ?? [])],
    {
      cwd: ROOT,
      env: { ...PACKAGE_ENV, ...options.env },
    },
  );
  const templateFile = join(dir, 'cloudformation-template-update-stack.json');
  return { dir, templateFile, template: JSON.parse(readFileSync(templateFile, 'utf8')) as Template };
}
