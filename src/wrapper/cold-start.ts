import { loadedMs, nowMs, processStartMs } from '../tracer/time';

/** A first invocation this long after init was not waited for: Lambda initialised ahead. */
const PROACTIVE_INIT_GAP_MS = 10_000;

export interface ColdStart {
  /** `faas.coldstart`. */
  coldStart: boolean;
  /** Lambda ran init ahead of demand; the first invocation did not wait for it. */
  proactive: boolean;
  /** The sandbox's init, from its start to the first invocation (or to when the handler was ready). */
  init?: { startMs: number; endMs: number; type: string };
}

/**
 * The cold start of one wrapped handler. A sandbox runs one function, so the first
 * invocation of its wrapper is the first of the sandbox; where one process hosts several
 * functions (serverless-offline in process, tests), each keeps its own.
 */
export class ColdStartClaim {
  private claimed = false;

  /** `readyMs`: when the handler was wrapped, at module init. */
  constructor(private readonly readyMs: number = nowMs()) {}

  /**
   * The first invocation claims the cold start; every later one, and every one running
   * concurrently with it, sees a warm sandbox. Under a Lambda runtime the sandbox started
   * with the process; elsewhere the process is no sandbox, and the earliest moment known is
   * when hoptrace was loaded.
   */
  claim(invocationStartMs: number, initializationType: string | undefined, inLambdaRuntime: boolean): ColdStart {
    if (this.claimed) return { coldStart: false, proactive: false };
    this.claimed = true;
    const type = initializationType ?? 'on-demand';
    if (type === 'provisioned-concurrency') return { coldStart: false, proactive: false };
    const startMs = inLambdaRuntime ? processStartMs() : loadedMs();
    const proactive = invocationStartMs - this.readyMs > PROACTIVE_INIT_GAP_MS;
    // On demand, init runs until the runtime takes the first event; ahead of demand, it ends
    // when the handler is ready, and the idle gap after it is not init.
    const endMs = proactive ? this.readyMs : invocationStartMs;
    return { coldStart: true, proactive, init: { startMs, endMs: Math.max(startMs, endMs), type } };
  }
}
