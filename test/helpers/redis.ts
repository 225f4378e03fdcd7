import { randomUUID } from 'node:crypto';
import { afterEach, inject } from 'vitest';
import { Redis } from 'ioredis';
import { validateConfig } from '../../src/config/validate.js';
import type { LaunchConfig, LaunchConfigInput } from '../../src/config/schema.js';
import { escapeGlob } from '../../src/keys.js';

/** URL of the run's shared redis-server (started by global-setup.ts). */
export function sharedRedisUrl(): string {
  return inject('redisUrl');
}

/** A fresh key prefix per test, so tests never see each other's keys. */
export function testPrefix(): string {
  return `test:${randomUUID().slice(0, 8)}:`;
}

/** A validated config (defaults applied) pointing at `url` with `prefix`. */
export function makeConfig(input: LaunchConfigInput = {}, url = sharedRedisUrl(), prefix = testPrefix()): LaunchConfig {
  const result = validateConfig({ ...input, redis: { ...input.redis, url, keyPrefix: input.redis?.keyPrefix ?? prefix } });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.config;
}

/** Deletes every key under `prefix` with SCAN + DEL (never FLUSHALL). */
export async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
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
    client: () => (client ??= new Redis(sharedRedisUrl(), { lazyConnect: false, maxRetriesPerRequest: 1 })),
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
  const keys = await client.keys(`${escapeGlob(prefix)}ph:cache:*`);
  for (const key of keys) {
    const entry = JSON.parse((await client.get(key)) ?? 'null') as { fetchedAt: number } | null;
    if (!entry) continue;
    entry.fetchedAt -= ms;
    await client.set(key, JSON.stringify(entry), 'KEEPTTL');
  }
  return keys.length;
}
