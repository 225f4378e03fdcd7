// Faults for the fault suite (test/faults/): a redis-server of the test's own
// that can be restarted without persistence on the same port, frozen (SIGSTOP)
// and thawed; and the pipeline oracle every fault test ends with.
import { Redis, type Cluster } from 'ioredis';
import { expect } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
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
export async function expectPipelineExact(raw: Redis | Cluster, options: { prefix: string; stream: string; events: readonly EngagementEvent[]; deadLetters?: number; group?: string; context?: string }): Promise<void> {
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
  expect(Number(stats.events ?? 0), `counter events ${context}`).toBe(options.events.length);
  expect(Number(stats.users ?? 0), `counter users ${context}`).toBe(reference.size);
  expect({ default: Number(stats['variant:default'] ?? 0), pricing: Number(stats['variant:pricing'] ?? 0), video: Number(stats['variant:video'] ?? 0) }, `counter variants ${context}`).toEqual(byVariant);
}

export interface LocalCluster {
  nodes: RedisServerHandle[];
  /** A seed URL (the first node). */
  url: string;
  stop(): Promise<void>;
}

/** A local Redis Cluster: `masters` masters with `replicasPerMaster` replicas each, all slots covered, state ok. */
export async function startCluster(masters = 3, replicasPerMaster = 0, extraArgs: string[] = []): Promise<LocalCluster> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const run = promisify(execFile);
  const count = masters * (1 + replicasPerMaster);
  const nodes = await Promise.all(
    Array.from({ length: count }, () => startRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', ...extraArgs] })),
  );
  await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicasPerMaster), '--cluster-yes']);
  for (let i = 0; i < 200; i++) {
    const states = await Promise.all(nodes.map((n) => run('redis-cli', ['-p', String(n.port), 'CLUSTER', 'INFO']).then((r) => r.stdout)));
    if (states.every((s) => s.includes('cluster_state:ok'))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { nodes, url: nodes[0]!.url, stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))) };
}
