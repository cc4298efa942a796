import { logger } from '../logger';
import { nowMs } from '../tracer/time';
import { settledWithin } from './settled-by';
import type { ExtensionsApi, InvokeEvent } from './extensions-api';
import type { LambdaExtension } from './handoff';
import type { ShutdownCoordinator } from './shutdown-channel';

/** The extension calls next at the latest this long before an invocation's deadline. */
const DEADLINE_MARGIN_MS = 50;
/** After a failed next, the wait before calling it again (a missed next holds the sandbox). */
const RETRY_MS = 100;
/** Lambda gives the runtime about 500 ms between SIGTERM and SIGKILL. */
export const SHUTDOWN_WINDOW_MS = 450;

/**
 * How long an INVOKE that no wrapped handler claimed waits for a claim: the runtime and the
 * extension hear of an invocation at about the same time, in either order, and a handler that
 * is not wrapped (a module exporting several, only some wrapped) never claims. Unclaimed,
 * nothing is held; a wrapped handler that claims later is told so, and exports before its
 * return. 10 ms missed a claim in 1 of 50 cold starts on a loaded machine.
 */
export const CLAIM_GRACE_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

class Slot {
  claimed = false;
  /** The extension's hold waits on it: it deletes the slot when done. */
  held = false;
  readonly settled: Promise<void>;
  readonly whenClaimed: Promise<void>;
  settle!: () => void;
  private onClaim!: () => void;

  constructor() {
    this.settled = new Promise<void>((resolve) => (this.settle = resolve));
    this.whenClaimed = new Promise<void>((resolve) => (this.onClaim = resolve));
  }

  claim(): void {
    this.claimed = true;
    this.onClaim();
  }
}

/**
 * The extension inside the function's process. It takes each INVOKE event and, for an
 * invocation a wrapped handler claimed, calls next again only once the wrapper's work after
 * the response has settled, or its deadline is near: Lambda freezes the sandbox only after
 * that. On Managed Instances it subscribes to nothing and only runs the shutdown, of this
 * thread's work and of the worker threads that joined.
 */
export class Extension implements LambdaExtension {
  private readonly slots = new Map<string, Slot>();
  private readonly running = new Set<Promise<void>>();
  private readonly shutdownWork: Array<(deadlineMs: number) => Promise<void>> = [];
  private attached = false;
  /** Invocations let go unclaimed, most recent last: a claim that comes after is refused. */
  private readonly released: string[] = [];
  private asleep = 0;
  private waitingSince: number | undefined;
  /** Thawed for good (SIGTERM): the wait in next is awake time from then on. */
  private shuttingDown = false;

  constructor(
    private readonly api: ExtensionsApi,
    private readonly id: string,
    private readonly workers: ShutdownCoordinator | undefined,
  ) {}

  attach(): void {
    this.attached = true;
  }

  claim(requestId: string): boolean {
    const i = this.released.indexOf(requestId);
    if (i >= 0) {
      this.released.splice(i, 1);
      return false;
    }
    this.slot(requestId).claim();
    return true;
  }

  asleepMs(): number {
    return this.asleep + (this.waitingSince === undefined ? 0 : nowMs() - this.waitingSince);
  }

  afterResponse(requestId: string | undefined, work: () => Promise<void>): void {
    const slot = requestId === undefined ? undefined : this.slot(requestId);
    // The runtime client posts the response synchronously once the handler settles: in the
    // next microtask (aws-lambda-ric 3.x) or after one setImmediate (4.x). Two turns later,
    // the work comes after the response has gone.
    setImmediate(() =>
      setImmediate(() => {
        const running = work().catch((error: unknown) =>
          logger.warn('extension:work', `work after the response failed: ${(error as Error).message}`),
        );
        this.running.add(running);
        void running.then(() => {
          this.running.delete(running);
          slot?.settle();
          if (slot && !slot.held) this.slots.delete(requestId!);
        });
      }),
    );
  }

  onShutdown(work: (deadlineMs: number) => Promise<void>): void {
    this.shutdownWork.push(work);
  }

  /**
   * Runs the SIGTERM work until done or `deadlineMs`: first the work after a response still
   * running (it puts the last invocation's spans in the batch), then the shutdown work.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    this.shuttingDown = true;
    this.stopWaiting();
    const work = (async () => {
      await Promise.all(this.running);
      await Promise.all([
        ...this.shutdownWork.map((w) => w(deadlineMs).catch(() => undefined)),
        this.workers?.shutdown(deadlineMs),
      ]);
    })();
    await Promise.race([work, sleep(deadlineMs - Date.now())]);
  }

  /** The event loop of the extension: never returns, never lets a failure skip a next. */
  async run(): Promise<void> {
    for (;;) {
      let event: InvokeEvent;
      // Managed Instances are never frozen: there the wait in next is awake time.
      if (!this.workers && !this.shuttingDown) this.waitingSince = nowMs();
      try {
        event = await this.api.next(this.id);
      } catch (error) {
        logger.warn(
          'extension:next',
          `the Lambda Extensions API failed: ${(error as Error).message}; calling next again.`,
        );
        await sleep(RETRY_MS);
        continue;
      } finally {
        this.stopWaiting();
      }
      if (event.eventType === 'INVOKE' && typeof event.requestId === 'string')
        await this.hold(event.requestId, event.deadlineMs);
    }
  }

  private stopWaiting(): void {
    if (this.waitingSince !== undefined) this.asleep += nowMs() - this.waitingSince;
    this.waitingSince = undefined;
  }

  /** A claimed invocation: until its work after the response settles or its deadline is near. */
  private async hold(requestId: string, deadlineMs: number | undefined): Promise<void> {
    // No wrapper uses the extension (tracing off, handler not wrapped): nothing to wait for.
    if (!this.attached) return;
    const slot = this.slot(requestId);
    slot.held = true;
    try {
      if (!slot.claimed) await settledWithin(slot.whenClaimed, CLAIM_GRACE_MS);
      // A process starved of CPU wakes to find its timer due before the runtime's invocation,
      // which arrived meanwhile: one turn of I/O first, so that the claim is not missed.
      if (!slot.claimed) await new Promise((resolve) => setImmediate(resolve));
      if (!slot.claimed) {
        this.released.push(requestId);
        if (this.released.length > 16) this.released.shift();
        return;
      }
      const limit =
        typeof deadlineMs === 'number' && Number.isFinite(deadlineMs)
          ? deadlineMs - DEADLINE_MARGIN_MS - Date.now()
          : 0;
      await settledWithin(slot.settled, limit);
    } finally {
      this.slots.delete(requestId);
    }
  }

  private slot(requestId: string): Slot {
    let slot = this.slots.get(requestId);
    if (!slot) this.slots.set(requestId, (slot = new Slot()));
    return slot;
  }
}
