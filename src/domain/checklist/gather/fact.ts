// Runs one fact gatherer with a deadline, so one slow dependency cannot hang
// the run: past the deadline its checks fail with "timed out" and the rest go on.
import type { Fact } from '../types.js';

export async function gatherFact<T>(what: string, timeoutMs: number, parent: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<Fact<T>> {
  const controller = new AbortController();
  let onParentAbort = () => controller.abort(parent?.reason);
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort(new Error('timeout'));
        reject(new Error(`${what}: no answer within ${timeoutMs} ms (thresholds.checkTimeoutMs)`));
      }, timeoutMs);
      // Ctrl-C: stop waiting at once (the command then exits 130).
      onParentAbort = () => {
        controller.abort(parent?.reason);
        reject(new Error(`${what}: interrupted`));
      };
      if (parent?.aborted) onParentAbort();
      else parent?.addEventListener('abort', onParentAbort, { once: true });
    });
    const value = await Promise.race([fn(controller.signal), deadline]);
    return { ok: true, value };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, cause: message.startsWith(what) ? message : `${what}: ${message}` };
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
  }
}
