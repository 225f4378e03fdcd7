/**
 * trim against a real redis-server: a consumer group's pending entries and
 * not-yet-delivered entries are never dropped without --force (the trim is
 * held back to the oldest unacked entry, and says so); --force drops them;
 * MAXLEN ~ when safe; --older-than as a MINID from the clock; whole day
 * streams past streams.retentionDays deleted only when fully acked; the
 * dead-letter stream is never touched; --dry-run changes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { closeRedis, connectRedis, type RedisClient } from '../../src/adapters/redis.js';
import { executeTrimPlan } from '../../src/domain/streams/execute-trim.js';
import { trimStreams, type TrimRunOptions } from '../../src/domain/streams/trim.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { makeConfig, useTestRedis } from '../helpers/redis.js';

const DAY_MS = 86_400_000;
const GROUP = 'conversion';

describe('trim (integration)', () => {
  const redis = useTestRedis();
  const clients: RedisClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => closeRedis(c)));
  });

  async function run(options: Partial<Omit<TrimRunOptions, 'redis' | 'keys'>> = {}) {
    const config = makeConfig({}, redis.url(), redis.prefix());
    const client = await connectRedis(config.redis);
    clients.push(client);
    return trimStreams({ redis: client, keys: createKeys(redis.prefix()), nowMs: Date.now(), retentionDays: 7, maxLen: 1000, force: false, dryRun: false, ...options });
  }

  /** Adds n entries (explicit IDs from startMs when given) and returns their IDs. */
  async function addEntries(key: string, n: number, startMs?: number): Promise<string[]> {
    const pipe = redis.client().pipeline();
    for (let i = 0; i < n; i++) pipe.xadd(key, startMs === undefined ? '*' : `${startMs}-${i}`, 'userId', `u${i}`, 'eventType', 'hover', 'payload', '{}', 'ts', String(Date.now()));
    const replies = (await pipe.exec())!;
    return replies.map(([, id]) => id as string);
  }

  /** The group reads n entries (they become pending) and acks the first `ack` of them. */
  async function consume(client: Redis, key: string, n: number, ack: number): Promise<string[]> {
    const reply = (await client.xreadgroup('GROUP', GROUP, 'c1', 'COUNT', n, 'STREAMS', key, '>')) as [string, [string, string[]][]][];
    const ids = reply[0]![1].map(([id]) => id);
    if (ack > 0) await client.xack(key, GROUP, ...ids.slice(0, ack));
    return ids;
  }

  async function bodiesPresent(key: string, ids: string[]): Promise<boolean> {
    for (const id of ids) {
      const found = await redis.client().xrange(key, id, id);
      if (found.length !== 1) return false;
    }
    return true;
  }

  const today = () => createKeys(redis.prefix()).engagementStream(utcDay(Date.now()));

  it('holds back pending and undelivered entries: nothing unacked is dropped without --force', async () => {
    const key = today();
    await addEntries(key, 3000);
    await redis.client().xgroup('CREATE', key, GROUP, '0');
    const ids = await consume(redis.client(), key, 1200, 1000); // 1000 acked, 200 pending, 1800 undelivered
    const pending = ids.slice(1000);

    const result = await run({ maxLen: 100 });
    const [outcome] = result.outcomes!;
    expect(outcome!.plan).toMatchObject({ requested: 'maxlen', action: 'minid', held: true, oldestUnackedId: pending[0] });
    expect(result.heldBack).toBe(2000 - 100);
    expect(outcome!.after).toBeGreaterThanOrEqual(2000);
    expect(outcome!.trimmed).toBeGreaterThan(0); // the acked entries before the oldest pending one go
    expect(await bodiesPresent(key, pending)).toBe(true);
    expect((await redis.client().xpending(key, GROUP))[0]).toBe(200);
  });

  it('--force drops unacked entries too, and counts them', async () => {
    const key = today();
    await addEntries(key, 3000);
    await redis.client().xgroup('CREATE', key, GROUP, '0');
    await consume(redis.client(), key, 1200, 1000);
    const result = await run({ maxLen: 100, force: true });
    expect(result.heldBack).toBe(0);
    expect(result.forcedUnacked).toBe(1900);
    expect(await redis.client().xlen(key)).toBeLessThan(300);
  });

  it('trims to MAXLEN ~ when the group has acked everything the trim drops', async () => {
    const key = today();
    await addEntries(key, 3000);
    await redis.client().xgroup('CREATE', key, GROUP, '0');
    const ids = await consume(redis.client(), key, 2600, 2500); // 100 pending after 2500 acked
    const result = await run({ maxLen: 1000 });
    expect(result.heldBack).toBe(0);
    expect(result.outcomes![0]).toMatchObject({ skipped: false, trimmed: 2000, after: 1000 });
    const length = await redis.client().xlen(key);
    expect(length).toBeGreaterThanOrEqual(1000);
    expect(length).toBeLessThan(1200);
    expect(await bodiesPresent(key, ids.slice(2500))).toBe(true);
  });

  it('--older-than trims by age (MINID from the clock)', async () => {
    const key = today();
    const now = Date.now();
    await addEntries(key, 500, now - 10 * 3600_000);
    const recent = await addEntries(key, 500, now - 3600_000);
    const result = await run({ olderThanMs: 5 * 3600_000 });
    expect(result.outcomes![0]!.plan).toMatchObject({ action: 'minid', held: false });
    const length = await redis.client().xlen(key);
    expect(length).toBeGreaterThanOrEqual(500);
    expect(length).toBeLessThan(1000);
    expect(await bodiesPresent(key, [recent[0]!, recent.at(-1)!])).toBe(true);
  });

  it('deletes day streams past retention only when fully acked, and never the dead-letter stream', async () => {
    const keys = createKeys(redis.prefix());
    const now = Date.now();
    const acked = keys.engagementStream(utcDay(now - 10 * DAY_MS));
    const unacked = keys.engagementStream(utcDay(now - 9 * DAY_MS));
    const recent = keys.engagementStream(utcDay(now - 2 * DAY_MS));
    for (const key of [acked, unacked, recent]) {
      await addEntries(key, 50);
      await redis.client().xgroup('CREATE', key, GROUP, '0');
    }
    await consume(redis.client(), acked, 50, 50);
    await consume(redis.client(), unacked, 20, 10); // 10 pending, 30 undelivered
    await addEntries(keys.deadLetters(), 20);

    const result = await run({ maxLen: 5 });
    const byKey = new Map(result.outcomes!.map((o) => [o.plan.key, o]));
    expect(byKey.get(acked)).toMatchObject({ deleted: true, after: 0 });
    expect(byKey.get(unacked)).toMatchObject({ deleted: false });
    expect(byKey.get(unacked)!.plan).toMatchObject({ requested: 'delete', held: true, unackedAtRisk: 40 });
    expect(byKey.has(keys.deadLetters())).toBe(false);
    expect(await redis.client().exists(acked)).toBe(0);
    expect(await redis.client().xlen(unacked)).toBeGreaterThanOrEqual(40);
    expect(await redis.client().xlen(keys.deadLetters())).toBe(20);
  });

  it('leaves a stream alone when it grew past the plan’s guard before the trim ran', async () => {
    const key = today();
    await addEntries(key, 2000);
    await redis.client().xgroup('CREATE', key, GROUP, '$');
    const { plans } = await run({ maxLen: 1000, dryRun: true });
    await addEntries(key, 10); // undelivered entries arriving between the plan and the trim
    const [outcome] = await executeTrimPlan(clients[0]!, [{ ...plans[0]!, guardMaxLength: 2000 }]);
    expect(outcome).toMatchObject({ skipped: true, trimmed: 0, after: 2010 });
  });

  it('counts unacked entries of a long stream in slices (several count calls) and gets the exact figure', async () => {
    const key = today();
    await addEntries(key, 25_000);
    await redis.client().xgroup('CREATE', key, GROUP, '0'); // nothing delivered: every entry is unacked
    const result = await run({ maxLen: 100, dryRun: true });
    expect(result.plans[0]).toMatchObject({ held: true, unackedAtRisk: 24_900 });
  });

  it('trims a long stream all the way although one XTRIM ~ call removes at most 10,000 entries', async () => {
    const key = today();
    await addEntries(key, 25_000);
    const result = await run({ maxLen: 100 });
    expect(result.outcomes![0]).toMatchObject({ skipped: false });
    expect(result.outcomes![0]!.trimmed).toBeGreaterThan(24_000);
    expect(await redis.client().xlen(key)).toBeLessThan(1000);
  });

  it('--dry-run plans and changes nothing', async () => {
    const key = today();
    await addEntries(key, 2000);
    const result = await run({ maxLen: 100, dryRun: true });
    expect(result.outcomes).toBeNull();
    expect(result.plans[0]).toMatchObject({ action: 'maxlen', before: 2000, expectedAfter: 100 });
    expect(await redis.client().xlen(key)).toBe(2000);
  });
});
