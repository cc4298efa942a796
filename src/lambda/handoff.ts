/**
 * What the `hoptrace/lambda` entry point hands to the wrapper. The two are separate bundles
 * (a preload and the user's handler, which may inline its own copy of hoptrace), so they
 * meet on a global symbol rather than on a shared module.
 */
export interface LambdaExtension {
  /** A wrapper exports through the extension: from now on the invocations it claims are held for their work. */
  attach(): void;
  /**
   * A wrapped handler starts the invocation: the extension holds it until its work after the
   * response settles. False when the extension already let it go (the claim came too late).
   */
  claim(requestId: string): boolean;
  /** Runs `work` once the runtime has sent the response; the freeze waits for it (bounded). */
  afterResponse(requestId: string | undefined, work: () => Promise<void>): void;
  /** Time spent waiting in next so far, in ms: Lambda freezes the sandbox only then. */
  asleepMs(): number;
  /** Work for SIGTERM: it gets the epoch ms by which it must be done. */
  onShutdown(work: (deadlineMs: number) => Promise<void>): void;
}

/** The outcome of `hoptrace/lambda`'s registration: the extension, or why there is none. */
export type ExtensionState = { readonly extension: LambdaExtension } | { readonly reason: string };

const KEY = Symbol.for('hoptrace.lambda.extension');

type Slot = { [KEY]?: ExtensionState };

export function publishExtensionState(state: ExtensionState): void {
  (globalThis as Slot)[KEY] = state;
}

/** Undefined when `hoptrace/lambda` was never loaded in this process. */
export function extensionState(): ExtensionState | undefined {
  return (globalThis as Slot)[KEY];
}
