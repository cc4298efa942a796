import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCdkNag, suppressionsOf } from '../helpers/cdk-nag';
import { packageStack, type Packaged } from '../helpers/packaged-template';

const run = promisify(execFile);
const STAGES = ['dev', 'prod'] as const;
const packaged: Partial<Record<(typeof STAGES)[number], Packaged>> = {};
// dev as it comes (no SLO); prod with the example SLOs of docs/dashboards/, so that their burn-rate
// alarms and dashboard widgets are linted and checked too.
const EXAMPLE_SLOS = JSON.stringify(
  parse(readFileSync(new URL('../../docs/dashboards/example-slos.yml', import.meta.url), 'utf8')),
);
const ARGS = { dev: [], prod: [`--param=slos=${EXAMPLE_SLOS}`] };

beforeAll(async () => {
  for (const stage of STAGES) packaged[stage] = await packageStack(stage, { args: ARGS[stage] });
  expect(Object.keys(packaged.prod!.template.Resources).filter((id) => id.startsWith('Slo'))).toHaveLength(24);
}, 240_000);

afterAll(() => {
  for (const p of Object.values(packaged)) rmSync(p.dir, { recursive: true, force: true });
});

/** cfn-lint's findings on a template; a missing cfn-lint fails the test, never skips it. */
async function cfnLint(templateFile: string): Promise<string> {
  try {
    await run('cfn-lint', ['--version']);
  } catch (error) {
    throw new Error(
      `cfn-lint is not installed (${(error as Error).message}); install it (pip install 'cfn-lint>=1.51') — this check never skips`,
    );
  }
  try {
    const { stdout } = await run('cfn-lint', ['--format', 'parseable', '--', templateFile]);
    return stdout;
  } catch (error) {
    // Exit codes 2, 4, 8: errors, warnings, informational findings, listed on stdout.
    return (error as { stdout?: string }).stdout || String(error);
  }
}

describe.each(STAGES)('the packaged template, stage %s', (stage) => {
  it('has no cfn-lint finding', async () => {
    expect(await cfnLint(packaged[stage]!.templateFile)).toBe('');
  }, 120_000);

  it('has no cdk-nag finding (AwsSolutions, Serverless) that is not suppressed on its resource', () => {
    const { templateFile, template } = packaged[stage]!;
    expect(runCdkNag(templateFile, template, { honourSuppressions: true })).toEqual([]);
  }, 60_000);

  it('gives every cdk-nag suppression a reason, and suppresses only findings that occur', () => {
    const { templateFile, template } = packaged[stage]!;
    const suppressions = suppressionsOf(template);
    for (const s of suppressions) expect(s.reason.length, `${s.resource} ${s.rule}`).toBeGreaterThan(60);
    const findings = runCdkNag(templateFile, template, { honourSuppressions: false });
    const found = new Set(findings.map((f) => `${f.resource} ${f.rule}`));
    expect(suppressions.map((s) => `${s.resource} ${s.rule}`).filter((s) => !found.has(s))).toEqual([]);
  }, 60_000);
});
