// Stopping a child process we started (a throwaway redis-server, a test's
// Prometheus): SIGTERM, SIGKILL after a grace period, then its folder removed.
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';

/** A stop() for `child`: SIGTERM (SIGKILL after graceMs), then removes `dir`. Safe to call twice. */
export function processStopper(child: ChildProcess, options: { graceMs: number; dir?: string }): () => Promise<void> {
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), options.graceMs);
      await exited;
      clearTimeout(timer);
    }
    if (options.dir) await rm(options.dir, { recursive: true, force: true });
  };
}
