import { nowMs } from '../tracer/time';
import { extensionState } from './handoff';

/**
 * A clock of the time this process was awake, in ms: the monotonic clock less the time the
 * extension spent waiting in next, which is when Lambda freezes the sandbox. A request in
 * flight at a freeze times out by it, so a thaw after minutes is not taken for a timeout.
 */
export function awakeMs(): number {
  const state = extensionState();
  return nowMs() - (state && 'extension' in state ? state.extension.asleepMs() : 0);
}
