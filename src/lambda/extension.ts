import { logger } from '../logger';
import { ExtensionsApi, type InvokeEvent } from './extensions-api';
import type { LambdaExtension } from './handoff';
import type { ShutdownCoordinator } from './shutdown-channel';

/** The extension calls next at the latest this long before an invocation's deadline. */
const DEADLINE_MARGIN_MS = 50;
/** After a failed next, the wait before calling it again (a missed next holds the sandbox). */
const RETRY_MS = 100;
/** Lambda gives the runtime about 500 ms between SIGTERM and SIGKILL. */
export const SHUTDOWN_WINDOW_MS = 450;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Slot {
  settled: Promise<void>;
  settle: () => void;
}

function newSlot(): Slot {
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  return { settled, settle };
}

/**
 * The extension inside the function's process. It takes each INVOKE event and calls next
 * again only once the wrapper's export of that invocation has settled, or its deadline is
 * near: Lambda freezes the sandbox only after that, so the export runs after the response,
 * before the freeze. On Managed Instances it subscribes to nothing and only runs the
 * shutdown, of this thread's work and of the worker threads that joined.
 */
export class Extension implements LambdaExtension {
  private readonly slots = new Map<string, Slot>();
  private readonly running = new Set<Promise<void>>();
  private readonly shutdownWork: Array<(deadlineMs: number) => Promise<void>> = [];
  private attached = false;

  constructor(
    private readonly api: ExtensionsApi,
    private readonly id: string,
    private readonly workers: ShutdownCoordinator | undefined,
  ) {}

  attach(): void {
    this.attached = true;
  }

  afterResponse(requestId: string | undefined, work: () => Promise<void>): void {
    const slot = requestId === undefined ? undefined : this.slot(requestId);
    // The runtime client posts the response synchronously once the handler settles: in the
    // next microtask (aws-lambda-ric 3.x) or after one setImmediate (4.x). Two turns later,
    // the export's encoding and request come after the response has gone.
    setImmediate(() => setImmediate(() => {
      const running = work().catch((error: unknown) => logger.warn('extension:work', `export after the response failed: ${(error as Error).message}`));
      this.running.add(running);
      void running.then(() => {
        this.running.delete(running);
        slot?.settle();
      });
    }));
  }

  onShutdown(work: (deadlineMs: number) => Promise<void>): void {
    this.shutdownWork.push(work);
  }

  /** Runs the SIGTERM work (and waits for exports in flight) until done or `deadlineMs`. */
  async shutdown(deadlineMs: number): Promise<void> {
    const work = [...this.running, ...this.shutdownWork.map((w) => w(deadlineMs).catch(() => undefined)), this.workers?.shutdown(deadlineMs)];
    await Promise.race([Promise.all(work), sleep(deadlineMs - Date.now())]);
  }

  /** The event loop of the extension: never returns, never lets a failure skip a next. */
  async run(): Promise<void> {
    for (;;) {
      let event: InvokeEvent;
      try {
        event = await this.api.next(this.id);
      } catch (error) {
        logger.warn('extension:next', `the Lambda Extensions API failed: ${(error as Error).message}; calling next again.`);
        await sleep(RETRY_MS);
        continue;
      }
      if (event.eventType === 'INVOKE' && typeof event.requestId === 'string') await this.hold(event.requestId, event.deadlineMs);
    }
  }

  /** Until the invocation's export settles or its deadline is near, whichever comes first. */
  private async hold(requestId: string, deadlineMs: number | undefined): Promise<void> {
    // No wrapper uses the extension (tracing off, handler not wrapped): nothing to wait for.
    if (!this.attached) return;
    const slot = this.slot(requestId);
    let timer: NodeJS.Timeout | undefined;
    const limit = typeof deadlineMs === 'number' && Number.isFinite(deadlineMs) ? deadlineMs - DEADLINE_MARGIN_MS - Date.now() : 0;
    try {
      await Promise.race([slot.settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, limit))))]);
    } finally {
      clearTimeout(timer);
      this.slots.delete(requestId);
    }
  }

  private slot(requestId: string): Slot {
    let slot = this.slots.get(requestId);
    if (!slot) this.slots.set(requestId, (slot = newSlot()));
    return slot;
  }
}
