const LEVELS = { none: 0, error: 1, warn: 2, info: 3, debug: 4, verbose: 5, all: 6 } as const;
type Level = keyof typeof LEVELS;

/** The `OTEL_LOG_LEVEL` values, least verbose first. */
export const LOG_LEVELS = Object.keys(LEVELS) as Level[];

const INTERVAL_MS = 60_000;

interface Throttle {
  lastMs: number;
  suppressed: number;
}

/**
 * hoptrace's own log lines: prefixed, at the `OTEL_LOG_LEVEL` threshold, and rate-limited
 * per key so that a dead ingest costs one line a minute, not one per invocation.
 */
class Logger {
  private threshold: number = LEVELS.warn;
  private readonly throttles = new Map<string, Throttle>();
  private readonly once = new Set<string>();

  setLevel(level: string | undefined): void {
    const key = (level ?? '').trim().toLowerCase() as Level;
    this.threshold = key in LEVELS ? LEVELS[key] : LEVELS.warn;
  }

  /** Logs at most once per key per minute, counting what was held back. */
  warn(key: string, message: string): void {
    if (this.threshold < LEVELS.warn) return;
    const now = Date.now();
    const throttle = this.throttles.get(key);
    if (throttle && now - throttle.lastMs < INTERVAL_MS) {
      throttle.suppressed++;
      return;
    }
    const suffix = throttle && throttle.suppressed > 0 ? ` (${throttle.suppressed} similar messages suppressed)` : '';
    this.throttles.set(key, { lastMs: now, suppressed: 0 });
    console.warn(`[hoptrace] ${message}${suffix}`);
  }

  /** Logs the first time a key is seen in this sandbox, never again. */
  warnOnce(key: string, message: string): void {
    if (this.threshold < LEVELS.warn || this.once.has(key)) return;
    this.once.add(key);
    console.warn(`[hoptrace] ${message}`);
  }
}

export const logger = new Logger();
