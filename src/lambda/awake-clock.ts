import { nowMs } from '../tracer/time';
import { extensionState } from './handoff';

function asleepMs(): number {
  const state = extensionState();
  return state && 'extension' in state ? state.extension.asleepMs() : 0;
}

/** Time in next that this process was known to be awake through (see `stayAwake`). */
let awakeInNextMs = 0;
let awakeSpans = 0;
/** `asleepMs()` when the current run of `stayAwake` spans began. */
let asleepAtWakeMs = 0;

/**
 * A clock of the time this process was awake, in ms: the monotonic clock less the time the
 * extension spent waiting in next, which is when Lambda freezes the sandbox. A request in
 * flight at a freeze times out by it, so a thaw after minutes is not taken for a timeout.
 */
export function awakeMs(): number {
  return nowMs() - ((awakeSpans > 0 ? asleepAtWakeMs : asleepMs()) - awakeInNextMs);
}

/**
 * Counts all time as awake until the returned function is called, though the extension waits
 * in next: Lambda freezes the sandbox only once the runtime waits in next too, and the runtime
 * is busy with an invocation the extension let go unclaimed.
 */
export function stayAwake(): () => void {
  if (awakeSpans++ === 0) asleepAtWakeMs = asleepMs();
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (--awakeSpans === 0) awakeInNextMs += asleepMs() - asleepAtWakeMs;
  };
}
