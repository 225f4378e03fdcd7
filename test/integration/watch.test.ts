/**
 * watch's collector against a real redis-server:
 * - what one refresh reads matches what Redis holds (stream, group, dead
 *   letters, counters, warm markers);
 * - the cost of one refresh does not grow with the keyspace: the commands it
 *   sends, counted with INFO commandstats, are the same with 1,000 and 100,000
 *   state keys, and match the documented count (6 + one PTTL per launch path).
 *   This test runs its own redis-server: commandstats are server-wide;
 * - on a Redis Cluster (three masters started here) INFO and PING go to every
 *   master and the keyed reads are routed to their slots;
 * - a network that stops answering (no RST, like a dropped Wi-Fi) turns into
 *   "reconnecting" within the refresh timeout, and the view recovers by itself.
 */
import { execFileSync } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { connectRedis, closeRedis, type RedisClient } from '../../src/adapters/redis.js';
import { startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { collectSnapshot, commandsPerRefresh, createWatchCollector } from '../../src/domain/watch/collect.js';
import { makeConfig, onCluster, useTestRedis } from '../helpers/redis.js';

const PATHS = [
  { path: '/', ttl: 300 },
  { path: '/pricing', ttl: 600 },
  { path: '/docs', ttl: 600 },
];

describe('collectSnapshot', () => {
  const redis = useTestRedis();

  it('reads the stream, the group, dead letters, counters and warm markers as Redis holds them', async () => {
    const config = makeConfig({ warm: { paths: PATHS } }, redis.url(), redis.prefix());
    const keys = createKeys(config.redis.keyPrefix);
    const raw = redis.client();
    const stream = keys.engagementStream(utcDay(Date.now()));
    for (let i = 0; i < 5; i++) await raw.xadd(stream, '*', 'userId', `u${i}`, 'eventType', 'hover', 'payload', '{}', 'ts', String(i));
    await raw.xgroup('CREATE', stream, 'conversion', '0');
    await raw.xreadgroup('GROUP', 'conversion', 'c1', 'COUNT', 2, 'STREAMS', stream, '>');
    await raw.xadd(keys.deadLetters(), '*', 'userId', 'x', 'reason', 'bad');
    await raw.hset(keys.convStats(), { events: 7, users: 4, 'variant:default': 2, 'variant:pricing': 1, 'variant:video': 1, 'hist:3': 3, 'hist:9': 1, updatedAt: 1700000000000 });
    await raw.set(keys.warmMarker('/'), '{"status":"warmed"}', 'EX', 100);
    await raw.set(keys.warmMarker('/docs'), '{"status":"warmed"}', 'EX', 50);

    const client = await connectRedis(config.redis, 'patient');
    try {
      const s = await collectSnapshot({ client, config, keys, url: redis.url() });
      expect(s.connection.state).toBe('connected');
      expect(s.streams).toMatchObject({ key: stream, exists: true, length: 5, entriesAdded: 5, deadLetters: 1 });
      expect(s.streams!.group).toMatchObject({ name: 'conversion', consumers: 1, pending: 2, lag: 3, entriesRead: 2 });
      expect(s.conversion).toMatchObject({ total: 4, variants: { default: 2, pricing: 1, video: 1 }, events: 7, users: 4, updatedAt: 1700000000000 });
      expect(s.conversion!.histogram).toEqual([0, 0, 0, 3, 0, 0, 0, 0, 0, 1]);
      expect(s.warm).toMatchObject({ alive: 2, total: 3, soonest: { path: '/docs' } });
      expect(s.warm!.paths[1]).toEqual({ path: '/pricing', ttlMs: null });
      expect(s.warm!.soonest!.ttlMs).toBeGreaterThan(40_000);
      expect(s.redis!.version).toMatch(/^\d+\.\d+/);
      // On the cluster of the matrix: INFO from each of the 3 masters, listed apart.
      expect(s.redis!.nodes).toBe(onCluster() ? 3 : 1);
      expect(s.redis!.masters.map((m) => m.node)).toHaveLength(onCluster() ? 3 : 0);
      expect(s.notes).toEqual([]);
    } finally {
      await closeRedis(client);
    }
  });

  it('reads a day with no events and no group as empty, not as an error', async () => {
    const config = makeConfig({}, redis.url(), redis.prefix());
    const client = await connectRedis(config.redis, 'patient');
    try {
      const s = await collectSnapshot({ client, config, keys: createKeys(config.redis.keyPrefix), url: redis.url() });
      expect(s.streams).toMatchObject({ exists: false, length: 0, group: null, deadLetters: 0 });
      expect(s.conversion!.total).toBe(0);
      expect(s.warm).toMatchObject({ alive: 0, total: 0, soonest: null });
      expect(s.notes).toEqual([]);
    } finally {
      await closeRedis(client);
    }
  });
});

describe('commands per refresh', () => {
  let server: RedisServerHandle;
  let admin: Redis;
  let client: RedisClient;
  const config = () => makeConfig({ warm: { paths: PATHS } }, server.url, 'cost:');

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    client = await connectRedis(config().redis, 'patient');
  });
  afterAll(async () => {
    await closeRedis(client);
    admin.disconnect();
    await server?.stop();
  });

  /** Adds state keys up to `total` with pipelined MSETs of 1,000 keys. */
  async function loadStateKeys(from: number, total: number) {
    const keys = createKeys('cost:');
    const pipe = admin.pipeline();
    for (let start = from; start < total; start += 1000) {
      const args: string[] = [];
      for (let i = start; i < Math.min(total, start + 1000); i++) args.push(keys.convState(`user-${i}`), '{"variant":"default","confidence":0.1,"lastUpdated":1}');
      pipe.mset(...args);
    }
    await pipe.exec();
  }

  /** Runs one refresh between CONFIG RESETSTAT and INFO commandstats; returns calls per command. */
  async function countOneRefresh(): Promise<Record<string, number>> {
    await admin.config('RESETSTAT');
    const cfg = config();
    await collectSnapshot({ client, config: cfg, keys: createKeys(cfg.redis.keyPrefix), url: server.url });
    const text = await admin.info('commandstats');
    const calls: Record<string, number> = {};
    for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      // The admin's own CONFIG RESETSTAT is counted once the stats are reset.
      if (!m[1]!.startsWith('config')) calls[m[1]!] = Number(m[2]);
    }
    return calls;
  }

  it('is the same with 1,000 and 100,000 state keys, and as documented', async () => {
    await loadStateKeys(0, 1000);
    expect(await admin.dbsize()).toBe(1000);
    const small = await countOneRefresh();
    await loadStateKeys(1000, 100_000);
    expect(await admin.dbsize()).toBe(100_000);
    const large = await countOneRefresh();

    expect(large).toEqual(small);
    expect(Object.values(small).reduce((a, b) => a + b, 0)).toBe(commandsPerRefresh(config()));
    expect(Object.keys(small).sort()).toEqual(['hgetall', 'info', 'ping', 'pttl', 'xinfo|groups', 'xinfo|stream', 'xlen']);
    expect(small.pttl).toBe(PATHS.length);
  });
});

/** A TCP proxy to `port` that can be frozen: it keeps connections open but forwards nothing. */
async function startFreezableProxy(port: number): Promise<{ port: number; freeze(on: boolean): void; close(): Promise<void> }> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((downstream) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [downstream, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.on('data', (d: Buffer) => void (frozen || upstream.write(d)));
    upstream.on('data', (d: Buffer) => void (frozen || downstream.write(d)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    freeze: (on) => {
      frozen = on;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('a network that stops answering', () => {
  const redis = useTestRedis();

  it('shows "reconnecting" within the refresh timeout, never hangs, and recovers', async () => {
    const target = new URL(redis.url());
    const proxy = await startFreezableProxy(Number(target.port));
    const url = `redis://127.0.0.1:${proxy.port}`;
    const config = makeConfig({ redis: { connectTimeoutMs: 500 } }, url, redis.prefix());
    const client = await connectRedis(config.redis, 'patient');
    const collector = createWatchCollector({ client, config, keys: createKeys(config.redis.keyPrefix), url, timeoutMs: 400 });
    try {
      expect((await collector.collect()).connection.state).toBe('connected');
      proxy.freeze(true);
      const started = Date.now();
      const frozen = await collector.collect();
      expect(frozen.connection).toMatchObject({ state: 'reconnecting', error: 'no answer within 400 ms' });
      expect(Date.now() - started).toBeLessThan(3000);
      // Further refreshes while frozen answer at once ("reconnecting"), they do not queue up.
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 200));
        expect((await collector.collect()).redis).toBeNull();
      }
      proxy.freeze(false);
      let recovered = false;
      for (let i = 0; i < 50 && !recovered; i++) {
        await new Promise((r) => setTimeout(r, 200));
        recovered = (await collector.collect()).connection.state === 'connected';
      }
      expect(recovered).toBe(true);
    } finally {
      await closeRedis(client);
      await proxy.close();
    }
  }, 30_000);
});

describe('on a Redis Cluster', () => {
  const servers: RedisServerHandle[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('sums INFO over the masters and reads the keyed panels from their slots', async () => {
    for (let i = 0; i < 3; i++) servers.push(await startRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'] }));
    execFileSync('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore' });
    // Every node must see the cluster as ok, or the client's ready check fails.
    for (const server of servers) {
      const probe = new Redis(server.url);
      for (let i = 0; i < 100 && !/cluster_state:ok/.test(String(await probe.call('CLUSTER', 'INFO'))); i++) await new Promise((r) => setTimeout(r, 100));
      probe.disconnect();
    }

    const config = makeConfig({ redis: { cluster: true }, warm: { paths: PATHS } }, servers[0]!.url, 'cl:');
    const client = await connectRedis(config.redis, 'patient');
    try {
      const keys = createKeys('cl:');
      const stream = keys.engagementStream(utcDay(Date.now()));
      await client.xadd(stream, '*', 'userId', 'u', 'eventType', 'hover', 'payload', '{}', 'ts', '1');
      await client.hset(keys.convStats(), 'variant:video', '2');
      await client.set(keys.warmMarker('/pricing'), 'x', 'EX', 100);
      const s = await collectSnapshot({ client, config, keys, url: servers[0]!.url });
      expect(s.redis).toMatchObject({ nodes: 3, keys: 3 });
      expect(s.streams).toMatchObject({ exists: true, length: 1 });
      expect(s.conversion!.variants.video).toBe(2);
      expect(s.warm).toMatchObject({ alive: 1, soonest: { path: '/pricing' } });
      expect(s.notes).toEqual([]);
    } finally {
      await closeRedis(client);
    }
  }, 30_000);
});
