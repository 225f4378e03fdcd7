// Starts a throwaway redis-server on a free loopback port, or a throwaway
// Redis Cluster of several: used by `rehearse` and by the test harness. Never
// touches a server it did not start.
import { Redis } from 'ioredis';
import { processStopper } from '../util/process.js';
import { sleep } from '../util/sleep.js';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InterruptedError, UnreachableError } from '../errors.js';

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
  /** A fixed port; without it a free one is picked, and picked again when another process takes it first. */
  port?: number;
  /**
   * A cluster node: its cluster bus gets a free port of its own (`--cluster-port`).
   * Redis' default bus port is the port + 10000, which is over 65535 for a
   * fifth of Linux's ephemeral ports (32768-60999) and may be taken by anyone.
   */
  clusterBus?: boolean;
  /** A server that speaks only TLS: the port (picked or fixed) is its TLS port, the plain port is off; clients need not present a certificate. */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** Where free ports come from (default findFreePort; a test passes one that hands out a taken port first). */
  pickPort?: () => Promise<number>;
  binary?: string;
  startTimeoutMs?: number;
  /** Called with the child right after it is spawned (before it is ready), e.g. to kill it on a forced exit. */
  onSpawn?: (child: ChildProcess) => void;
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

/** redis-server could not bind a port (the log says "Address already in use"). */
class PortTakenError extends UnreachableError {}

/** How often a start on ports picked here is tried again when another process took one of them first. */
const PORT_ATTEMPTS = 5;

export async function startRedisServer(options: StartRedisOptions = {}): Promise<RedisServerHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      // A free port is only free until someone binds it: between our probe and
      // redis-server's bind another test (or anything) may take it.
      const raced = err instanceof PortTakenError && options.port === undefined && attempt < PORT_ATTEMPTS;
      if (!raced) throw err;
    }
  }
}


async function startOnce(options: StartRedisOptions): Promise<RedisServerHandle> {
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const pick = options.pickPort ?? findFreePort;
  const port = options.port ?? (await pick());
  const bus = options.clusterBus ? ['--cluster-port', String(await pick())] : [];
  const dir = await mkdtemp(join(tmpdir(), 'launchctl-redis-'));
  const listen = options.tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.certFile, '--tls-key-file', options.tls.keyFile, '--tls-ca-cert-file', options.tls.caFile, '--tls-auth-clients', 'no']
    : ['--port', String(port)];
  const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...bus, ...(options.args ?? [])];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  options.onSpawn?.(child);
  let log = '';
  child.stdout?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });

  const stop = processStopper(child, { graceMs: 3000, dir });

  await new Promise<void>((resolve, reject) => {
    // Rejects once the process is gone and its folder removed: a failed start leaves nothing behind.
    const timer = setTimeout(() => {
      const error = new UnreachableError(`redis-server did not start within ${options.startTimeoutMs ?? 5000} ms: ${log.slice(-300)}`);
      void stop().then(() => reject(error), reject);
    }, options.startTimeoutMs ?? 5000);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      void rm(dir, { recursive: true, force: true });
      reject(err.code === 'ENOENT' ? new UnreachableError(REDIS_INSTALL_HINT, 'ENOENT') : err);
    });
    const onEarlyExit = (code: number | null) => {
      clearTimeout(timer);
      const said = `redis-server exited with code ${code}: ${log.slice(-300)}`;
      const error = /Address already in use/i.test(log) ? new PortTakenError(said) : new UnreachableError(said);
      void stop().then(() => reject(error), reject);
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
  return { url: `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`, port, process: child, stop };
}

export const REDIS_CLI_INSTALL_HINT =
  'redis-cli was not found on PATH (it comes with redis-server: Debian/Ubuntu `sudo apt-get install redis-server`, macOS `brew install redis`), or set REDIS_CLI_BIN.';

export interface RedisClusterHandle {
  /** The seed node's URL (any node would do: the client learns the others from it). */
  url: string;
  /** Every node, masters first as `redis-cli --cluster create` assigned them (then their replicas). */
  nodes: RedisServerHandle[];
  /** Stops every node and removes every node's folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartRedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** cluster-node-timeout: how long a node may not answer before it counts as failing (Redis' default 15000). */
  nodeTimeoutMs?: number;
  /** Extra redis-server arguments for every node. */
  args?: string[];
  binary?: string;
  /** redis-cli, for `--cluster create` (default REDIS_CLI_BIN or `redis-cli`). */
  cliBinary?: string;
  /** How long every node may take to report cluster_state:ok after the create (default 15000). */
  readyTimeoutMs?: number;
  onSpawn?: (child: ChildProcess) => void;
  /** Ctrl-C: stops the start, stops every node and removes its folder, then throws InterruptedError. */
  signal?: AbortSignal;
}

function runCli(binary: string, args: string[], timeoutMs: number, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, signal }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      if (signal?.aborted) return reject(interrupted());
      if (code === 'ENOENT') return reject(new UnreachableError(REDIS_CLI_INSTALL_HINT, 'ENOENT'));
      const said = `${stdout}${stderr}`.trim().split('\n').slice(-3).join(' / ');
      reject(new UnreachableError(`${binary} ${args.slice(0, 2).join(' ')} failed: ${said || err.message}`));
    });
  });
}

/**
 * Starts a throwaway Redis Cluster on free loopback ports: one redis-server
 * per node (`--cluster-enabled yes`, each in its own temporary folder),
 * `redis-cli --cluster create` over them, then waits until every node reports
 * cluster_state:ok. A start that fails halfway stops whatever it started and
 * removes every folder before the error propagates.
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 0;
  // redis-cli --cluster create refuses fewer than three masters.
  if (!Number.isInteger(masters) || masters < 3) throw new RangeError(`a Redis Cluster needs at least 3 masters, asked for ${masters}`);
  if (!Number.isInteger(replicas) || replicas < 0) throw new RangeError(`replicasPerMaster must be a whole number >= 0, got ${replicas}`);
  const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'];
  if (options.nodeTimeoutMs !== undefined) args.push('--cluster-node-timeout', String(options.nodeTimeoutMs));
  args.push(...(options.args ?? []));

  const started = await Promise.allSettled(
    Array.from({ length: masters * (1 + replicas) }, () => startRedisServer({ args, clusterBus: true, binary: options.binary, onSpawn: options.onSpawn })),
  );
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= Promise.all(nodes.map((n) => n.stop())).then(() => undefined));
  try {
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    if (options.signal?.aborted) throw interrupted();
    const cli = options.cliBinary ?? process.env.REDIS_CLI_BIN ?? 'redis-cli';
    await runCli(cli, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], 30_000, options.signal);
    await waitForClusterOk(nodes, { masters, replicas: masters * replicas }, options.readyTimeoutMs ?? 15_000, options.signal);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: nodes[0]!.url, nodes, stop };
}

const interrupted = () => new InterruptedError('interrupted while starting the Redis Cluster (every node stopped)');

/** What one node says: `ok`, or its cluster_state and how many masters and replicas it knows. */
async function nodeView(client: Redis, want: { masters: number; replicas: number }): Promise<string> {
  const info = (await client.call('CLUSTER', 'INFO')) as string;
  const state = /cluster_state:(\w+)/.exec(info)?.[1] ?? '?';
  const flags = String(await client.call('CLUSTER', 'NODES'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split(' ')[2] ?? '');
  const settled = flags.every((f) => !/fail|handshake|noaddr/.test(f));
  const masters = flags.filter((f) => /(^|,)master(,|$)/.test(f)).length;
  const replicas = flags.filter((f) => /(^|,)slave(,|$)/.test(f)).length;
  if (state === 'ok' && settled && masters === want.masters && replicas === want.replicas) return 'ok';
  return `cluster_state:${state}, ${masters} masters and ${replicas} replicas known`;
}

/**
 * Polls every node until all say cluster_state:ok and know every master and
 * replica as such (they learn of each other, and of who replicates whom, by gossip).
 */
async function waitForClusterOk(nodes: readonly RedisServerHandle[], want: { masters: number; replicas: number }, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const clients = nodes.map((n) => new Redis({ host: '127.0.0.1', port: n.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 }));
  for (const c of clients) c.on('error', () => undefined);
  try {
    const deadline = Date.now() + timeoutMs;
    let states: string[] = [];
    for (;;) {
      states = await Promise.all(clients.map((c) => nodeView(c, want).catch((err: Error) => err.message)));
      if (states.every((s) => s === 'ok')) return;
      if (signal?.aborted) throw interrupted();
      if (Date.now() > deadline) break;
      await sleep(100, signal);
    }
    throw new UnreachableError(
      `the throwaway Redis Cluster did not settle within ${timeoutMs} ms (${nodes.map((n, i) => `127.0.0.1:${n.port}: ${states[i]}`).join('; ')})`,
    );
  } finally {
    for (const c of clients) c.disconnect();
  }
}
