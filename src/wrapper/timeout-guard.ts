/**
 * Calls `onTimeout` `guardMs` before the Lambda deadline. Returns the disarm function; the
 * caller disarms when the invocation ends, so the timer can never fire into a later one.
 */
export function armTimeoutGuard(remainingMs: number | undefined, guardMs: number, onTimeout: () => void): () => void {
  if (remainingMs === undefined || remainingMs - guardMs <= 0) return () => undefined;
  const timer = setTimeout(onTimeout, remainingMs - guardMs);
  // Outside Lambda (tests, local runs) a pending guard must not keep the process alive.
  timer.unref();
  return () => clearTimeout(timer);
}
