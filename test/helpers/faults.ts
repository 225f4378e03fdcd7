// Faults for the fault suite (test/faults/): a redis-server of the test's own
// that can be restarted without persistence on the same port, frozen (SIGSTOP)
// and thawed; and the pipeline oracle every fault test ends with.
import { Redis, type Cluster } from 'ioredis';
import { expect } from 'vitest';
import { startRedisCluster, startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import { findXinfoGroup } from '../../src/adapters/redis-replies.js';
import { validateConfig } from '../../src/config/validate.js';
import type { EngagementEvent } from '../../src/domain/engagement/event.js';
import { buildRules, replayEngagement } from '../../src/domain/engagement/rules.js';
import { createKeys } from '../../src/keys.js';

export interface FaultServer {
  readonly url: string;
  readonly port: number;
  /** A fresh raw client (the caller disconnects it). */
  client(): Redis;
  /** SHUTDOWN NOSAVE and a start on the same port: every key and group is gone. */
  restartWithoutPersistence(): Promise<void>;
  /** SIGSTOP: the server keeps its connections and answers nothing. */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

export async function startFaultServer(args: string[] = []): Promise<FaultServer> {
  let handle: RedisServerHandle = await startRedisServer({ args });
  const port = handle.port;
  return {
    url: handle.url,
    port,
    client: () => new Redis(handle.url, { maxRetriesPerRequest: 1, lazyConnect: false }),
    async restartWithoutPersistence() {
      const c = new Redis(handle.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      const exited = new Promise((r) => handle.process.once('exit', r));
      await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      c.disconnect();
      await exited;
      await handle.stop();
      handle = await startRedisServer({ args, port });
    },
    freeze: () => void handle.process.kill('SIGSTOP'),
    thaw: () => void handle.process.kill('SIGCONT'),
    async stop() {
      handle.process.kill('SIGCONT');
      await handle.stop();
    },
  };
}

/**
 * The oracle: every user's state equals a pure replay of `events`, the counters
 * count each event once, nothing is pending or undelivered, and the dead
 * letters hold exactly `deadLetters` entries. `context` (a seed) goes in every message.
 */
export async function expectPipelineExact(
  raw: Redis | Cluster,
  options: {
    prefix: string;
    stream: string;
    events: readonly EngagementEvent[];
    deadLetters?: number;
    group?: string;
    context?: string;
    /**
     * The consumer said its counters may be short by up to this many events (a
     * script call applied them and its reply was lost, on a Cluster): the
     * counters are then checked to be short by at most that much, the states stay exact.
     */
    countersMayBeShortBy?: number;
  },
): Promise<void> {
  const keys = createKeys(options.prefix);
  const group = options.group ?? 'conversion';
  const context = options.context ?? '';
  const [pending] = (await raw.xpending(options.stream, group)) as [number];
  expect(Number(pending), `pending entries ${context}`).toBe(0);
  const info = findXinfoGroup(await raw.xinfo('GROUPS', options.stream), group);
  expect(info?.lag, `group lag ${context}`).toBe(0);
  expect(await raw.xlen(keys.deadLetters()), `dead letters ${context}`).toBe(options.deadLetters ?? 0);

  const defaults = validateConfig({});
  if (!defaults.ok) throw new Error('defaults invalid');
  const reference = replayEngagement(options.events, buildRules(defaults.config.conversion));
  const users = [...reference.keys()];
  const mismatches: string[] = [];
  for (let i = 0; i < users.length; i += 1000) {
    const chunk = users.slice(i, i + 1000);
    // One GET each: on a Cluster the keys live in different slots (no MGET across them).
    const values = await Promise.all(chunk.map((u) => raw.get(keys.convState(u))));
    chunk.forEach((u, k) => {
      const got = values[k] ? (JSON.parse(values[k]) as Record<string, unknown>) : null;
      const want = reference.get(u)!;
      if (!got || got.variant !== want.variant || got.confidence !== want.confidence || got.lastUpdated !== want.lastUpdated || got.events !== want.events) {
        mismatches.push(`${u}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
      }
    });
  }
  expect(mismatches.slice(0, 5), `states ${context}`).toEqual([]);
  const stats = await raw.hgetall(keys.convStats());
  const byVariant = { default: 0, pricing: 0, video: 0 };
  for (const s of reference.values()) byVariant[s.variant]++;
  const variants = { default: Number(stats['variant:default'] ?? 0), pricing: Number(stats['variant:pricing'] ?? 0), video: Number(stats['variant:video'] ?? 0) };
  const short = options.countersMayBeShortBy ?? 0;
  if (short > 0) {
    const events = Number(stats.events ?? 0);
    expect(events, `counter events ${context}`).toBeLessThanOrEqual(options.events.length);
    expect(events, `counter events (at most ${short} short) ${context}`).toBeGreaterThanOrEqual(options.events.length - short);
    expect(Math.abs(Number(stats.users ?? 0) - reference.size), `counter users ${context}`).toBeLessThanOrEqual(short);
    for (const v of ['default', 'pricing', 'video'] as const) expect(Math.abs(variants[v] - byVariant[v]), `counter variant:${v} ${context}`).toBeLessThanOrEqual(short);
    return;
  }
  expect(Number(stats.events ?? 0), `counter events ${context}`).toBe(options.events.length);
  expect(Number(stats.users ?? 0), `counter users ${context}`).toBe(reference.size);
  expect(variants, `counter variants ${context}`).toEqual(byVariant);
}

export interface LocalCluster {
  nodes: RedisServerHandle[];
  /** A seed URL (the first node). */
  url: string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Extra redis-server arguments for every node. */
  args?: string[];
  /**
   * cluster-node-timeout in ms (Redis' default is 15 s): how long a master may
   * be silent before the others flag it and its replica takes over.
   */
  nodeTimeoutMs?: number;
  /**
   * Return only once every replica is in sync with its master
   * (master_link_status:up): a replica that never synced does not take over.
   * Default: true when there are replicas.
   */
  waitForReplicas?: boolean;
}

/** One line of CLUSTER NODES. */
export interface ClusterNodeLine {
  id: string;
  port: number;
  flags: string[];
  /** The master's id, for a replica. */
  masterId: string | null;
  /** Slot ranges ("0-5460"). */
  slots: string[];
}

export function parseClusterNodes(text: string): ClusterNodeLine[] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const [id, address, flags, master, , , , , ...slots] = line.trim().split(' ');
      return {
        id: id!,
        port: Number(/:(\d+)/.exec(address!)?.[1]),
        flags: flags!.split(','),
        masterId: master === '-' ? null : master!,
        slots: slots.filter((s) => !s.startsWith('[')),
      };
    });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 50 ms until it returns a value, or fails naming `what` (and the last error) after timeoutMs. */
export async function pollUntil<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`);
    await pause(50);
  }
}

/** One command to one node over a fresh connection that never retries (a dead node fails at once). */
export async function nodeCommand(port: number, ...args: (string | number)[]): Promise<unknown> {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: 1000, commandTimeout: 2000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return await c.call(String(args[0]), ...args.slice(1));
  } finally {
    c.disconnect();
  }
}

/**
 * A local Redis Cluster: `masters` masters with `replicasPerMaster` replicas
 * each, all slots covered, state ok (the third argument: extra redis-server
 * arguments, or ClusterOptions).
 */
export async function startCluster(masters = 3, replicasPerMaster = 0, extra: string[] | ClusterOptions = []): Promise<LocalCluster> {
  const options: ClusterOptions = Array.isArray(extra) ? { args: extra } : extra;
  // The same start as `rehearse --cluster` (src/adapters/redis-server.ts): every node sees every master and replica.
  const cluster = await startRedisCluster({ masters, replicasPerMaster, nodeTimeoutMs: options.nodeTimeoutMs, args: options.args });
  if (replicasPerMaster > 0 && options.waitForReplicas !== false) {
    await pollUntil('every replica in sync with its master', async () => {
      const infos = await Promise.all(cluster.nodes.map((n) => nodeCommand(n.port, 'INFO', 'replication') as Promise<string>));
      const replicas = infos.filter((i) => i.includes('role:slave'));
      return replicas.length === masters * replicasPerMaster && replicas.every((i) => i.includes('master_link_status:up'));
    });
  }
  return { nodes: cluster.nodes, url: cluster.url, stop: () => cluster.stop() };
}

/** CLUSTER NODES as seen by the node on `port`. */
export async function clusterNodes(port: number): Promise<ClusterNodeLine[]> {
  return parseClusterNodes(String(await nodeCommand(port, 'CLUSTER', 'NODES')));
}

/** The port of the master that serves `key`'s slot, as the node on `askPort` sees it. */
export async function masterPortOf(askPort: number, key: string): Promise<number> {
  const slot = Number(await nodeCommand(askPort, 'CLUSTER', 'KEYSLOT', key));
  const owner = (await clusterNodes(askPort)).find(
    (n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.some((range) => {
      const [a, b] = range.split('-').map(Number);
      return slot >= a! && slot <= (b ?? a)!;
    }),
  );
  if (!owner) throw new Error(`no master serves slot ${slot} of ${key}`);
  return owner.port;
}

/** A key prefix with a hash tag whose slot the master on `port` serves. */
export async function prefixOnMaster(askPort: number, port: number, name: string): Promise<string> {
  for (let i = 0; i < 1000; i++) {
    const prefix = `{${name}${i}}:`;
    if ((await masterPortOf(askPort, `${prefix}x`)) === port) return prefix;
  }
  throw new Error(`no hash tag found on the master on port ${port}`);
}

export interface KilledMaster {
  /** The killed master's port. */
  port: number;
  /** Its replica: the node that should take over. */
  replicaPort: number;
  /** The ports of every node still running. */
  alivePorts: number[];
}

/** SIGKILL of the master on `port` (no shutdown, no last words to the replica); says which replica should take over. */
export async function killMaster(cluster: LocalCluster, port: number): Promise<KilledMaster> {
  const nodes = await clusterNodes(port);
  const me = nodes.find((n) => n.flags.includes('myself'));
  if (!me?.flags.includes('master')) throw new Error(`the node on port ${port} is not a master`);
  // A replica the others flag failed (frozen, say) is still the one to take over when it is the only one.
  const replicas = nodes.filter((n) => n.masterId === me.id);
  const replica = replicas.find((n) => !n.flags.includes('fail')) ?? replicas[0];
  if (!replica) throw new Error(`the master on port ${port} has no replica`);
  const handle = cluster.nodes.find((n) => n.port === port)!;
  const exited = new Promise((r) => handle.process.once('exit', r));
  handle.process.kill('SIGKILL');
  await exited;
  const alivePorts = cluster.nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null).map((n) => n.port);
  return { port, replicaPort: replica.port, alivePorts };
}

/**
 * Polls until every surviving node says cluster_state:ok and sees the killed
 * master's replica as a master serving slots: the failover is over.
 */
export async function waitForPromotion(killed: KilledMaster, timeoutMs = 30_000): Promise<void> {
  await pollUntil(
    `the replica on port ${killed.replicaPort} to take over from the master on port ${killed.port}`,
    async () => {
      for (const port of killed.alivePorts) {
        if (!String(await nodeCommand(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
        const promoted = (await clusterNodes(port)).find((n) => n.port === killed.replicaPort);
        if (!promoted?.flags.includes('master') || promoted.slots.length === 0) return false;
      }
      return true;
    },
    timeoutMs,
  );
}
