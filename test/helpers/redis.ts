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
