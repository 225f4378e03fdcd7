/**
 * state against a real redis-server: readConversionSummary reads the counters
 * hash; the deep scan counts every conv:state:* key (several batches, values
 * written per the data contract), finds planted corrupt values with their keys
 * and reasons, ignores other keys; --repair resets only values still corrupt
 * (keeping their TTL) and the rewritten counters then match the keys.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, type RedisClient } from '../../src/adapters/redis.js';
import { sendCommands, type RedisCommand } from '../../src/adapters/redis-commands.js';
import { isConnectionError, lostRedisError } from '../../src/adapters/redis-errors.js';
import { startRedisServer } from '../../src/adapters/redis-server.js';
import { UnreachableError } from '../../src/errors.js';
import { RESET_CORRUPT, scanConversionStates } from '../../src/domain/state/deep-scan.js';
import { readConversionSummary, writeConversionCounters } from '../../src/domain/state/summary.js';
import { createKeys } from '../../src/keys.js';
import { makeConfig, useTestRedis } from '../helpers/redis.js';

const VARIANTS = ['default', 'pricing', 'video'] as const;

describe('state (integration)', () => {
  const redis = useTestRedis();
  const clients: RedisClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => closeRedis(c)));
  });

  async function connect(): Promise<RedisClient> {
    const client = await connectRedis(makeConfig({}, redis.url(), redis.prefix()).redis);
    clients.push(client);
    return client;
  }

  /** Writes n valid states per the contract; returns the expected variant counts and histogram. */
  async function writeStates(n: number) {
    const keys = createKeys(redis.prefix());
    const variants = { default: 0, pricing: 0, video: 0 };
    const histogram = new Array<number>(10).fill(0);
    const commands: RedisCommand[] = [];
    for (let i = 0; i < n; i++) {
      const variant = VARIANTS[i % 3]!;
      const confidence = (i % 11) / 10;
      variants[variant]++;
      histogram[Math.min(9, Math.floor(confidence * 10))]!++;
      commands.push(['SET', keys.convState(randomUUID()), JSON.stringify({ variant, confidence, lastUpdated: Date.now(), events: i }), 'EX', 3600]);
    }
    // One pipeline on a single Redis; per node on the cluster of the matrix.
    for (const [err] of await sendCommands(redis.client(), commands)) if (err) throw err;
    return { variants, histogram };
  }

  it('readConversionSummary reads the counters hash written by consume', async () => {
    const keys = createKeys(redis.prefix());
    await redis.client().hset(keys.convStats(), { events: 40, users: 9, 'variant:default': 5, 'variant:pricing': 3, 'variant:video': 1, 'hist:0': 5, 'hist:6': 4, updatedAt: 1700000000000 });
    const s = await readConversionSummary(await connect(), keys);
    expect(s).toMatchObject({ total: 9, variants: { default: 5, pricing: 3, video: 1 }, events: 40, users: 9, updatedAt: 1700000000000 });
    expect(s.histogram).toEqual([5, 0, 0, 0, 0, 0, 4, 0, 0, 0]);
  });

  it('the deep scan counts every state key and finds a planted corrupt value with its key', async () => {
    const keys = createKeys(redis.prefix());
    const expected = await writeStates(2500);
    const corruptKey = keys.convState('corrupt-user');
    await redis.client().set(corruptKey, '{"variant":"pricing","confidence":0.', 'EX', 3600);
    await redis.client().set(keys.convState('bad-variant'), '{"variant":"banner","confidence":0.5,"lastUpdated":1}');
    await redis.client().set(`${redis.prefix()}cache:/pricing`, '{"status":"warmed"}'); // not a state key

    const result = await scanConversionStates(await connect(), keys, { batchSize: 100, inFlight: 4 });
    expect(result.total).toBe(2500);
    expect(result.variants).toEqual(expected.variants);
    expect(result.histogram).toEqual(expected.histogram);
    expect(result.corrupt).toBe(2);
    expect(result.corruptKeys).toContainEqual({ key: corruptKey, reason: expect.stringMatching(/^not JSON/) as string });
    expect(result.corruptKeys).toContainEqual({ key: keys.convState('bad-variant'), reason: expect.stringMatching(/^variant/) as string });
  });

  it('keeps the full corrupt count when the key list is capped', async () => {
    const keys = createKeys(redis.prefix());
    for (let i = 0; i < 30; i++) await redis.client().set(keys.convState(`broken-${i}`), 'not json');
    const result = await scanConversionStates(await connect(), keys, { corruptKeysCap: 5 });
    expect(result.corrupt).toBe(30);
    expect(result.corruptKeys).toHaveLength(5);
  });

  it('--repair resets corrupt values (keeping the TTL) and the rewritten counters match the keys', async () => {
    const keys = createKeys(redis.prefix());
    await writeStates(300);
    const corruptKey = keys.convState('corrupt-user');
    await redis.client().set(corruptKey, 'undefined', 'EX', 1234);
    const noTtl = keys.convState('corrupt-no-ttl');
    await redis.client().set(noTtl, '[]');
    await redis.client().hset(keys.convStats(), { events: 77, 'variant:pricing': 999, 'hist:9': 999 });
    const client = await connect();

    const repaired = await scanConversionStates(client, keys, { repair: { stateTtlS: 3600, nowMs: Date.now() } });
    expect(repaired).toMatchObject({ corrupt: 2, repaired: 2, total: 302 });
    await writeConversionCounters(client, keys, repaired, Date.now());

    const fixed = JSON.parse((await redis.client().get(corruptKey))!) as Record<string, unknown>;
    expect(fixed).toMatchObject({ variant: 'default', confidence: 0 });
    const ttl = await redis.client().ttl(corruptKey);
    expect(ttl).toBeGreaterThan(1200);
    expect(ttl).toBeLessThanOrEqual(1234);
    expect(await redis.client().ttl(noTtl)).toBeGreaterThan(3500);

    const again = await scanConversionStates(client, keys);
    expect(again.corrupt).toBe(0);
    const counters = await readConversionSummary(client, keys);
    expect({ total: counters.total, variants: counters.variants, histogram: counters.histogram }).toEqual({
      total: again.total,
      variants: again.variants,
      histogram: again.histogram,
    });
    expect(counters.events).toBe(77); // history is not state: left alone
  });

  it('reports a state key of another type as corrupt, and --repair replaces it with a string state', async () => {
    const keys = createKeys(redis.prefix());
    await writeStates(10);
    await redis.client().hset(keys.convState('as-hash'), 'variant', 'pricing');
    const client = await connect();
    const found = await scanConversionStates(client, keys);
    expect(found).toMatchObject({ total: 10, corrupt: 1, vanished: 0 });
    expect(found.corruptKeys[0]).toEqual({ key: keys.convState('as-hash'), reason: 'not a string value (a hash)' });
    const repaired = await scanConversionStates(client, keys, { repair: { stateTtlS: 60, nowMs: Date.now() } });
    expect(repaired).toMatchObject({ repaired: 1, total: 11 });
    expect(await redis.client().type(keys.convState('as-hash'))).toBe('string');
  });

  it('--repair leaves alone a value that was rewritten after the scan read it (compare-and-set)', async () => {
    const keys = createKeys(redis.prefix());
    const key = keys.convState('racing');
    const valid = JSON.stringify({ variant: 'pricing', confidence: 0.9, lastUpdated: 5 });
    await redis.client().set(key, valid); // the consumer rewrote it after the scan read "garbage"
    const script = RESET_CORRUPT.lua;
    expect(await redis.client().eval(script, 1, key, 'garbage', '{"variant":"default"}', 60, 'string')).toBe(0);
    expect(await redis.client().get(key)).toBe(valid);
    expect(await redis.client().eval(script, 1, key, valid, '{"variant":"default"}', 60, 'string')).toBe(1);
    expect(await redis.client().get(key)).toBe('{"variant":"default"}');
  });

  it('Ctrl-C stops the deep scan after the batches in flight and returns partial counts', async () => {
    const keys = createKeys(redis.prefix());
    await writeStates(3000);
    const controller = new AbortController();
    const result = await scanConversionStates(await connect(), keys, { batchSize: 100, signal: controller.signal, onProgress: () => controller.abort() });
    expect(result.interrupted).toBe(true);
    expect(result.scanned).toBeGreaterThan(0);
    expect(result.scanned).toBeLessThan(3000);
    expect(result.total).toBe(result.scanned);
  });

  it('a Redis lost in the middle of a deep scan is an UnreachableError naming the masked URL', async () => {
    const server = await startRedisServer({ args: ['--requirepass', 'hunter2'] });
    const url = server.url.replace('redis://', 'redis://:hunter2@');
    const client = await connectRedis(makeConfig({}, url, 'lost:').redis);
    clients.push(client);
    try {
      const keys = createKeys('lost:');
      const pipe = client.pipeline();
      for (let i = 0; i < 2000; i++) pipe.set(keys.convState(String(i)), '{}');
      await pipe.exec();
      const raw = await scanConversionStates(client, keys, { batchSize: 10, inFlight: 1, onProgress: () => void server.process.kill('SIGKILL') }).catch((e: unknown) => e);
      // The entry point turns a lost connection into this error, whichever verb it hit.
      expect(isConnectionError(raw)).toBe(true);
      const err = lostRedisError(url, raw);
      expect(err).toBeInstanceOf(UnreachableError);
      expect((err as Error).message).toContain(`127.0.0.1:${server.port}`);
      expect((err as Error).message).not.toContain('hunter2');
    } finally {
      await server.stop();
    }
  });
});
