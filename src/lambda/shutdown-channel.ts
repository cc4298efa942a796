import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';

// On Managed Instances the runtime client serves invocations from worker threads, each with
// its own hoptrace, while SIGTERM reaches only the main thread, where `hoptrace/lambda`
// registered the extension. They meet on a channel every thread of the process can open.
const NAME = 'hoptrace.lambda.shutdown';

type Message = { kind: 'join'; id: string } | { kind: 'shutdown'; deadlineMs: number } | { kind: 'done'; id: string };

function open(onMessage: (message: Message) => void): BroadcastChannel {
  const channel = new BroadcastChannel(NAME);
  // Never what keeps a thread alive.
  channel.unref();
  channel.onmessage = (event) => onMessage((event as { data: Message }).data);
  return channel;
}

/** A thread's exporter: runs `work` when the extension broadcasts the shutdown, then says so. */
export function joinShutdown(work: (deadlineMs: number) => Promise<void>): void {
  const id = randomUUID();
  const channel = open((message) => {
    if (message.kind !== 'shutdown') return;
    void work(message.deadlineMs)
      .catch(() => undefined)
      .then(() => channel.postMessage({ kind: 'done', id }));
  });
  channel.postMessage({ kind: 'join', id });
}

/** The extension's side: knows who joined; `shutdown` asks them all and waits for their answers. */
export class ShutdownCoordinator {
  private readonly members = new Set<string>();
  private readonly waiting = new Set<string>();
  private onDone: (() => void) | undefined;
  private readonly channel = open((message) => {
    if (message.kind === 'join') this.members.add(message.id);
    if (message.kind !== 'done') return;
    this.waiting.delete(message.id);
    if (this.waiting.size === 0) this.onDone?.();
  });

  /** Settles once every member is done, or at `deadlineMs`. */
  shutdown(deadlineMs: number): Promise<void> {
    if (this.members.size === 0) return Promise.resolve();
    for (const id of this.members) this.waiting.add(id);
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadlineMs - Date.now()));
      this.onDone = () => {
        clearTimeout(timer);
        resolve();
      };
      this.channel.postMessage({ kind: 'shutdown', deadlineMs });
    });
  }
}
