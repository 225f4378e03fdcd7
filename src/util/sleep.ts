/** Lets a caller cut a sleep short from outside (watch's "p" key resumes at once). */
export interface Wake {
  onWake?: () => void;
}

/**
 * The one sleep: waits `ms`, or less. It resolves (never rejects) as soon as
 * `signal` aborts or `wake.onWake()` is called, so a loop checks the signal
 * itself and winds down cleanly after Ctrl-C.
 */
export function sleep(ms: number, signal?: AbortSignal, wake?: Wake): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      if (wake) wake.onWake = undefined;
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
    if (wake) wake.onWake = done;
  });
}
