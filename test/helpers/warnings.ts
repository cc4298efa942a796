import { vi } from 'vitest';

/**
 * Runs `fn` with hoptrace's warnings on (the level is read when a handler is wrapped, so
 * wrap inside `fn`) and returns the lines it printed that contain `text`.
 */
export async function warningsWhile(text: string, fn: () => Promise<unknown>): Promise<string[]> {
  vi.stubEnv('OTEL_LOG_LEVEL', 'warn');
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    await fn();
    return warn.mock.calls.map((c) => String(c[0])).filter((line) => line.includes(text));
  } finally {
    warn.mockRestore();
    vi.stubEnv('OTEL_LOG_LEVEL', 'none');
  }
}
