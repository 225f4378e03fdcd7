// Starts a throwaway redis-server on a free loopback port: used by `rehearse`
// and by the test harness. Never touches a server it did not start.
import { processStopper } from '../util/process.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnreachableError } from '../errors.js';

export const REDIS_INSTALL_HINT =
  'redis-server was not found on PATH. Install it: Debian/Ubuntu `sudo apt-get install redis-server`, macOS `brew install redis`, or set REDIS_SERVER_BIN.';

export interface RedisServerHandle {
  url: string;
  port: number;
  process: ChildProcess;
  /** Stops the server and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** Extra redis-server arguments, e.g. ['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction']. */
  args?: string[];
  port?: number;
  binary?: string;
  startTimeoutMs?: number;
}

/** A port that was free a moment ago (the OS picks it). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startRedisServer(options: StartRedisOptions = {}): Promise<RedisServerHandle> {
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const port = options.port ?? (await findFreePort());
  const dir = await mkdtemp(join(tmpdir(), 'launchctl-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...(options.args ?? [])];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });

  const stop = processStopper(child, { graceMs: 3000, dir });

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new UnreachableError(`redis-server did not start within ${options.startTimeoutMs ?? 5000} ms: ${log.slice(-300)}`));
    }, options.startTimeoutMs ?? 5000);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      void rm(dir, { recursive: true, force: true });
      reject(err.code === 'ENOENT' ? new UnreachableError(REDIS_INSTALL_HINT, 'ENOENT') : err);
    });
    const onEarlyExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new UnreachableError(`redis-server exited with code ${code}: ${log.slice(-300)}`));
    };
    child.once('exit', onEarlyExit);
    const onData = () => {
      if (/Ready to accept connections/i.test(log)) {
        clearTimeout(timer);
        // Only this promise's listeners: removing every 'exit' listener on each
        // later log line (the shutdown messages) left stop() waiting forever.
        child.off('exit', onEarlyExit);
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
  });
  return { url: `redis://127.0.0.1:${port}`, port, process: child, stop };
}
