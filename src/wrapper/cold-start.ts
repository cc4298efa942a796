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

let claimed = false;
let readyMs: number | undefined;

/** Called when a handler is wrapped, at module init: the latest call marks init's end. */
export function markHandlerReady(atMs: number = nowMs()): void {
  readyMs = atMs;
}

/**
 * The first invocation of the sandbox claims the cold start; every later one, and every one
 * running concurrently with it, sees a warm sandbox. Under a Lambda runtime the sandbox
 * started with the process; elsewhere (serverless-offline's worker threads, tests) the
 * process is no sandbox, and the earliest moment known is when hoptrace was loaded.
 */
export function claimColdStart(invocationStartMs: number, initializationType: string | undefined, inLambdaRuntime: boolean): ColdStart {
  if (claimed) return { coldStart: false, proactive: false };
  claimed = true;
  const type = initializationType ?? 'on-demand';
  if (type === 'provisioned-concurrency') return { coldStart: false, proactive: false };
  const startMs = inLambdaRuntime ? processStartMs() : loadedMs();
  const ready = readyMs ?? invocationStartMs;
  const proactive = invocationStartMs - ready > PROACTIVE_INIT_GAP_MS;
  // On demand, init runs until the runtime takes the first event; ahead of demand, it ends
  // when the handler is ready, and the idle gap after it is not init.
  const endMs = proactive ? ready : invocationStartMs;
  return { coldStart: true, proactive, init: { startMs, endMs: Math.max(startMs, endMs), type } };
}

/** For tests that simulate several sandboxes in one process. */
export function resetColdStartForTests(): void {
  claimed = false;
  readyMs = undefined;
}
