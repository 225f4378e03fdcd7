/**
 * state --deep and trim on a three-master Redis Cluster: the deep scan reads
 * every master (keys spread over all slots, read with per-master GET
 * pipelines since MGET across slots is refused), finds and repairs corrupt
 * values; trim finds the day streams on whichever master holds them and holds
 * back unacked entries there too.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import { closeRedis, connectRedis, type RedisClient } from '../../src/adapters/redis.js';
import { scanConversionStates } from '../../src/domain/state/deep-scan.js';
import { trimStreams } from '../../src/domain/streams/trim.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { makeConfig } from '../helpers/redis.js';

describe('state --deep and trim on Redis Cluster (integration)', () => {
  const servers: RedisServerHandle[] = [];
  let client: RedisClient;
  const keys = createKeys('cl:');

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) servers.push(await startRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'] }));
    execFileSync('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore' });
    const probe = new Redis(servers[0]!.url);
    for (let i = 0; i < 50 && !/cluster_state:ok/.test(String(await probe.call('CLUSTER', 'INFO'))); i++) await new Promise((r) => setTimeout(r, 100));
    probe.disconnect();
    client = await connectRedis(makeConfig({ redis: { cluster: true } }, servers[0]!.url, 'cl:').redis);
  }, 30_000);

  afterAll(async () => {
    if (client) await closeRedis(client);
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('the deep scan reads every master and repairs corrupt values there', async () => {
    for (let i = 0; i < 600; i++) {
      await client.set(keys.convState(randomUUID()), JSON.stringify({ variant: i % 2 ? 'pricing' : 'video', confidence: 0.65, lastUpdated: 1 }), 'EX', 600);
    }
    for (let i = 0; i < 9; i++) await client.set(keys.convState(`broken-${i}`), '{"variant":', 'EX', 600);

    const first = await scanConversionStates(client, keys, { batchSize: 50 });
    expect(first).toMatchObject({ total: 600, corrupt: 9, variants: { default: 0, pricing: 300, video: 300 } });
    expect(first.histogram[6]).toBe(600);

    const repaired = await scanConversionStates(client, keys, { repair: { stateTtlS: 600, nowMs: Date.now() } });
    expect(repaired).toMatchObject({ corrupt: 9, repaired: 9, total: 609 });
    expect((await scanConversionStates(client, keys)).corrupt).toBe(0);
  });

  it('trim finds the day streams on their master and holds back unacked entries', async () => {
    const key = keys.engagementStream(utcDay(Date.now()));
    for (let i = 0; i < 500; i++) await client.xadd(key, '*', 'userId', 'u', 'eventType', 'hover', 'payload', '{}', 'ts', '1');
    await client.xgroup('CREATE', key, 'conversion', '0');
    await client.xreadgroup('GROUP', 'conversion', 'c1', 'COUNT', 300, 'STREAMS', key, '>');
    const result = await trimStreams({ redis: client, keys, nowMs: Date.now(), retentionDays: 7, maxLen: 10, force: false, dryRun: false });
    expect(result.plans.map((p) => p.key)).toEqual([key]);
    expect(result.heldBack).toBe(490);
    expect(await client.xlen(key)).toBe(500);
  });
});
