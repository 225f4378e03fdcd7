import { randomUUID } from 'node:crypto';
import { afterEach, inject } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { validateConfig } from '../../src/config/validate.js';
import type { LaunchConfig, LaunchConfigInput } from '../../src/config/schema.js';
import { escapeGlob } from '../../src/keys.js';

/** URL of the run's shared redis-server (started by global-setup.ts), or the cluster's seed node in the `cluster` project. */
export function sharedRedisUrl(): string {
  return inject('redisUrl');
}

/** True when this test runs in the `cluster` project of the matrix (vitest.config.ts). */
export function onCluster(): boolean {
  return inject('redisCluster') === true;
}

/** A fresh key prefix per test, so tests never see each other's keys. */
export function testPrefix(): string {
  return `test:${randomUUID().slice(0, 8)}:`;
}

/** A validated config (defaults applied) pointing at `url` with `prefix`. */
export function makeConfig(input: LaunchConfigInput = {}, url = sharedRedisUrl(), prefix = testPrefix()): LaunchConfig {
  const cluster = input.redis?.cluster ?? (url === sharedRedisUrl() && onCluster());
  const result = validateConfig({ ...input, redis: { ...input.redis, url, keyPrefix: input.redis?.keyPrefix ?? prefix, cluster } });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.config;
}

/** Deletes every key under `prefix` with SCAN + DEL (never FLUSHALL); on a cluster, on every master, one key at a time (keys span slots). */
export async function deletePrefix(client: Redis | Cluster, prefix: string): Promise<void> {
  const nodes = await masters(client);
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      if (node === client) await client.del(...keys);
      else await Promise.all(keys.map((k) => client.del(k)));
    } while (cursor !== '0');
  }
}

/** The servers to SCAN: the client itself, or every master of a cluster (once it knows them). */
async function masters(client: Redis | Cluster): Promise<Redis[]> {
  if (!(client instanceof Cluster)) return [client];
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client.nodes('master');
}

/** A raw client for assertions: a Redis, or in the `cluster` project a Cluster client (typed as Redis: single-key commands route by key). */
export function rawClient(url = sharedRedisUrl()): Redis {
  if (url === sharedRedisUrl() && onCluster()) {
    const { hostname, port } = new URL(url);
    return new Cluster([{ host: hostname, port: Number(port) }], { redisOptions: { maxRetriesPerRequest: 1 } }) as unknown as Redis;
  }
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/**
 * A raw client on the shared server for assertions, with a per-test prefix that
 * is cleaned after the test. Call at the top of a test file's describe.
 */
export function useTestRedis(): { client: () => Redis; prefix: () => string; url: () => string } {
  let client: Redis | undefined;
  let prefix = testPrefix();
  afterEach(async () => {
    if (client) {
      await deletePrefix(client, prefix);
      client.disconnect();
      client = undefined;
    }
    prefix = testPrefix();
  });
  return {
    client: () => (client ??= rawClient()),
    prefix: () => prefix,
    url: () => sharedRedisUrl(),
  };
}

/**
 * Makes every cached Product Hunt answer under `prefix` look `ms` older (its
 * fetchedAt moved back, its TTL kept): what waiting out productHunt.cacheTtl
 * would do, without the wait.
 */
export async function ageCachedPhAnswers(client: Redis, prefix: string, ms: number): Promise<number> {
  const nodes = await masters(client);
  const keys = (await Promise.all(nodes.map((node) => node.keys(`${escapeGlob(prefix)}ph:cache:*`)))).flat();
  for (const key of keys) {
    const entry = JSON.parse((await client.get(key)) ?? 'null') as { fetchedAt: number } | null;
    if (!entry) continue;
    entry.fetchedAt -= ms;
    await client.set(key, JSON.stringify(entry), 'KEEPTTL');
  }
  return keys.length;
}
