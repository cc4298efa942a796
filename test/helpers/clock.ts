import { vi } from 'vitest';

let offsetMs = 0;

/**
 * Moves `Date.now()` forward by `ms`, on top of earlier moves, leaving timers and the
 * monotonic clock alone (sockets and deadlines keep real time). Undone by `vi.restoreAllMocks()`.
 */
export function advanceWallClock(ms: number): void {
  if (!vi.isMockFunction(Date.now)) {
    offsetMs = 0;
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
  }
  offsetMs += ms;
}
