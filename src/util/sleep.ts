/**
 * Waits `ms`, or less: resolves (never rejects) as soon as `signal` aborts, so a
 * loop can check the signal itself and wind down cleanly after Ctrl-C.
 */
export function waitUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
