import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 120_000,
    // Spool tests opt in with a directory of their own; elsewhere a spool would carry
    // one test's failed exports into the next.
    env: { OTEL_LOG_LEVEL: 'none', HOPTRACE_SPOOL_MAX_BYTES: '0' },
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
