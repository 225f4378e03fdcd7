/**
 * The engagement pipeline on a Redis Cluster (three masters started by the
 * test): ingest pipelines into the day stream's slot; the consumer reads day
 * streams of different slots one by one, applies the rules with one script call
 * per user (a call may touch one slot only) and writes the counters from the
 * deltas afterwards. States equal the pure-rules reference; counters match.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, type RedisClient } from '../../src/adapters/redis.js';
import { startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import { evaluateConversionPath } from '../../src/domain/engagement/apply.js';
import { runConsumer } from '../../src/domain/engagement/consumer.js';
import { ingestEvents } from '../../src/domain/engagement/ingest.js';
import { buildRules, replayEngagement } from '../../src/domain/engagement/rules.js';
import { generateTraffic } from '../../src/domain/engagement/simulate.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { makeConfig } from '../helpers/redis.js';

const run = promisify(execFile);
let nodes: RedisServerHandle[] = [];
let client: RedisClient;

beforeAll(async () => {
  nodes = await Promise.all([0, 1, 2].map(() => startRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'] })));
  await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes']);
  for (let i = 0; i < 100; i++) {
    const { stdout } = await run('redis-cli', ['-p', String(nodes[0]!.port), 'CLUSTER', 'INFO']);
    if (stdout.includes('cluster_state:ok')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
}, 30_000);

afterAll(async () => {
  if (client) await closeRedis(client);
  await Promise.all(nodes.map((n) => n.stop()));
});

describe('engagement pipeline on Redis Cluster', () => {
  it('consumes today’s and an older day stream and matches the reference', async () => {
    const config = makeConfig({ redis: { cluster: true }, streams: { maxLen: 100_000 } }, nodes[0]!.url, 'cl:');
    client = await connectRedis(config.redis);
    const keys = createKeys('cl:');
    const events = generateTraffic({ seed: 3, users: 300, totalEvents: 3000, durationMs: 120_000, startMs: 1_764_500_000_000, paths: ['/'] });
    // The first third lands in yesterday's stream (another slot), the rest in today's.
    const yesterday = Date.now() - 86_400_000;
    await ingestEvents(events.slice(0, 1000), { redis: client, config, now: () => yesterday });
    await ingestEvents(events.slice(1000), { redis: client, config });
    expect(keys.engagementStream(utcDay(yesterday))).not.toBe(keys.engagementStream(utcDay(Date.now())));

    const totals = await runConsumer({
      client,
      reader: client,
      config,
      consumer: 'cluster-test',
      batch: 250,
      blockMs: 10,
      maxDeliveries: 5,
      reclaimIdleMs: 30_000,
      forgetIdleMs: 3_600_000,
      once: true,
      signal: new AbortController().signal,
    });
    expect(totals).toMatchObject({ processed: 3000, applied: 3000, deadLettered: 0 });

    const reference = replayEngagement(events, buildRules(config.conversion));
    const byVariant = { default: 0, pricing: 0, video: 0 };
    for (const [userId, want] of reference) {
      byVariant[want.variant]++;
      const got = JSON.parse((await client.get(keys.convState(userId)))!) as Record<string, unknown>;
      expect({ variant: got.variant, confidence: got.confidence, lastUpdated: got.lastUpdated, events: got.events }).toEqual(want);
    }
    const stats = await client.hgetall(keys.convStats());
    expect(Number(stats.events)).toBe(3000);
    expect(Number(stats.users)).toBe(300);
    expect({ default: Number(stats['variant:default'] ?? 0), pricing: Number(stats['variant:pricing'] ?? 0), video: Number(stats['variant:video'] ?? 0) }).toEqual(byVariant);
  });

  it('evaluateConversionPath works on a cluster (state and counters in different slots)', async () => {
    const config = makeConfig({ redis: { cluster: true } }, nodes[0]!.url, 'cl3:');
    const user = '0b9c1f5e-2d1a-4c3b-9a8f-7e6d5c4b3a21';
    await evaluateConversionPath(user, { eventType: 'hover', payload: {}, timestamp: 1000 }, { redis: client, config });
    expect(await evaluateConversionPath(user, { eventType: 'hover', payload: {}, timestamp: 9000 }, { redis: client, config })).toEqual({ variant: 'video', confidence: 0.4, lastUpdated: 9000, events: 2 });
    expect(await client.hget(createKeys('cl3:').convStats(), 'variant:video')).toBe('1');
  });
});
