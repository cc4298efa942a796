/**
 * Runs `call` with a signal that aborts it at `deadlineMs`, and stops waiting for it then
 * (rejecting with an `AbortError`) even if it does not heed the signal.
 */
export async function beforeDeadline<T>(
  deadlineMs: number,
  now: () => number,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        controller.abort();
        reject(Object.assign(new Error('deadline'), { name: 'AbortError' }));
      },
      Math.max(0, deadlineMs - now()),
    );
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
