import { expect } from 'vitest';
import { run } from '../../../cli/src/commands';
import { CliError } from '../../../cli/src/errors';

// `hoptrace …` in the test's process, as bin/hoptrace runs it, for the command's tests.

/** Runs the command; what it printed, and its notes (stderr lines). */
export async function hoptrace(...argv: string[]): Promise<{ out: string; notes: string[] }> {
  let out = '';
  const notes: string[] = [];
  await run(argv, { out: (text) => (out += text), note: (text) => notes.push(text) });
  return { out, notes };
}

/** Runs the command with `--json`; what it printed, parsed. */
export async function hoptraceJson(...argv: string[]): Promise<unknown> {
  return JSON.parse((await hoptrace(...argv, '--json')).out) as unknown;
}

/** The CliError a run ends with (the test fails when it ends otherwise). */
export async function failureOf(running: Promise<unknown>): Promise<CliError> {
  const error = await running.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}
