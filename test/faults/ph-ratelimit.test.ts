/**
 * Fault: the Product Hunt API (stand-in) sends absurd rate-limit headers, a
 * 429 with none, or trickles its answer. Promises of docs/ph.md: a reset more
 * than a day away is treated as unknown, with a warning, so no process reports
 * the budget spent for days; the shared key always has a TTL of at most a day,
 * set in the same script as the value; a 429 without a usable reset is shared
 * for 60 s so another process waits instead of calling; productHunt.timeoutMs
 * is a total deadline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, type RedisClient } from '../../src/adapters/redis.js';
import { PhClient, RECORD_RATE_LIMIT } from '../../src/adapters/producthunt/client.js';
import { MAX_RESET_MS, UNKNOWN_RESET_WAIT_MS } from '../../src/adapters/producthunt/ratelimit.js';
import { getPhStatus, readPhRateLimit } from '../../src/domain/ph/service.js';
import { InterruptedError, UnreachableError } from '../../src/errors.js';
import { createKeys } from '../../src/keys.js';
import { startProductHuntStandIn, type ProductHuntStandIn, type ProductHuntStandInOptions } from '../../src/standins/producthunt.js';
import { makeConfig, useTestRedis } from '../helpers/redis.js';

const TOKEN = 'phtok_faults_0b7e4d21c9';
const DAY_MS = 86_400_000;
const test = useTestRedis();
let standIn: ProductHuntStandIn | undefined;
const clients: RedisClient[] = [];

afterEach(async () => {
  await standIn?.stop();
  standIn = undefined;
  await Promise.all(clients.splice(0).map(closeRedis));
});

async function setup(options: ProductHuntStandInOptions = {}, productHunt: Record<string, unknown> = {}) {
  standIn = await startProductHuntStandIn({ token: TOKEN, ...options });
  const config = makeConfig({ productHunt: { post: 'acme', apiUrl: standIn.url, ...productHunt } }, test.url(), test.prefix());
  const redis = await connectRedis(config.redis);
  clients.push(redis);
  const warnings: string[] = [];
  return { standIn, config, redis, env: { PH_TOKEN: TOKEN } as NodeJS.ProcessEnv, warnings, onWarning: (w: string) => void warnings.push(w) };
}

const rateKey = (s: { config: { redis: { keyPrefix: string } } }) => createKeys(s.config.redis.keyPrefix).phRateLimit();

describe('absurd X-Rate-Limit-Reset', () => {
  it.each([
    ['100000000 s', 100_000_000],
    ['an epoch timestamp', Math.floor(Date.now() / 1000) + 600],
  ])('a 429 with a reset of %s: unknown with a warning, spent for 60 s, not for years', async (_name, resetS) => {
    const s = await setup();
    s.standIn.exhaustBudget(resetS);
    const err = await getPhStatus({ ...s, fresh: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as UnreachableError).code).toBe('PH_RATE_LIMITED');
    expect((err as Error).message).toContain('the reset time is unknown');
    expect((err as Error).message).not.toMatch(/\d+d\b/);
    expect(s.warnings.join('\n')).toMatch(/x-rate-limit-reset: \d+ is not a believable reset .*treated as unknown/);

    const rl = await readPhRateLimit(s.redis, s.config);
    expect(rl!.remaining).toBeLessThanOrEqual(0);
    expect(rl!.resetAt - Date.now()).toBeLessThanOrEqual(UNKNOWN_RESET_WAIT_MS);
    const ttl = await s.redis.pttl(rateKey(s));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(DAY_MS);

    // Another process: told it resets within a minute, without a request.
    const before = s.standIn.requestCount();
    const second = await getPhStatus({ ...s, env: s.env, fresh: true }).catch((e: unknown) => e);
    expect((second as Error).message).not.toMatch(/\d+d\b/);
    expect(s.standIn.requestCount()).toBe(before);
  });

  it('200 answers carrying an absurd reset: the answer is used, the reset not believed, the key bounded', async () => {
    const s = await setup({ resetHeader: '100000000' });
    const status = await getPhStatus(s);
    expect(status.votesCount).toBeGreaterThan(0);
    expect(s.warnings.join('\n')).toContain('x-rate-limit-reset: 100000000 is not a believable reset');
    const ttl = await s.redis.pttl(rateKey(s));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(DAY_MS);
  });

  it('a key left by an older version (reset in 1157 days, no TTL) locks nobody out and gets a TTL at the next answer', async () => {
    const s = await setup();
    await s.redis.hset(rateKey(s), { limit: 6250, remaining: -10, resetAt: Date.now() + 1157 * DAY_MS, updatedAt: Date.now() });
    expect(await readPhRateLimit(s.redis, s.config)).toBeNull();
    const status = await getPhStatus(s);
    expect(status.cached).toBe(false);
    const ttl = await s.redis.pttl(rateKey(s));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(DAY_MS);
    expect((await readPhRateLimit(s.redis, s.config))!.remaining).toBeGreaterThan(0);
  });
});

describe('record-ratelimit.lua', () => {
  it('whatever the reset it is given, the hash is written with a TTL of at most a day, or not at all', async () => {
    const s = await setup();
    const lua = RECORD_RATE_LIMIT.lua;
    const now = Date.now();
    for (const resetAt of ['1e30', 'inf', '-inf', String(now + 1157 * DAY_MS), String(now - 5000), String(now + 600_000)]) {
      await s.redis.del(rateKey(s));
      const reply = await s.redis.eval(lua, 1, rateKey(s), 6250, 0, resetAt, now, 3_600_000, 1, MAX_RESET_MS, UNKNOWN_RESET_WAIT_MS).catch((e: unknown) => e);
      const ttl = await s.redis.pttl(rateKey(s));
      if (reply instanceof Error) {
        expect(ttl, `resetAt ${resetAt}: an error must write nothing`).toBe(-2);
      } else {
        expect(ttl, `resetAt ${resetAt}`).toBeGreaterThan(0);
        expect(ttl, `resetAt ${resetAt}`).toBeLessThanOrEqual(DAY_MS);
      }
    }
    await s.redis.del(rateKey(s));
    await expect(s.redis.eval(lua, 1, rateKey(s), 6250, 0, 'soon', now, 3_600_000, 1, MAX_RESET_MS, UNKNOWN_RESET_WAIT_MS)).rejects.toThrow(/not a number/);
    expect(await s.redis.exists(rateKey(s))).toBe(0);
  });
});

describe('429 without any rate-limit header', () => {
  it('is shared through Redis for 60 s: a second process waits instead of calling', async () => {
    const s = await setup();
    s.standIn.fail({ kind: '429-bare' });
    const first = new PhClient({ config: s.config, redis: s.redis, env: s.env, maxWaitMs: 15_000 });
    const err = await first.query('query { post(slug: "acme") { id } }', {}).catch((e: unknown) => e);
    await first.close();
    expect((err as UnreachableError).code).toBe('PH_RATE_LIMITED');
    expect((err as Error).message).toMatch(/reset time is unknown: every process sharing this Redis waits 60 s/);
    expect(s.standIn.requestCount()).toBe(1);

    const rl = await readPhRateLimit(s.redis, s.config);
    expect(rl).toMatchObject({ remaining: 0 });
    expect(rl!.resetAt).toBeGreaterThan(Date.now() + UNKNOWN_RESET_WAIT_MS - 5000);

    // A second process that would wait up to 2 minutes: it waits (we stop it), it does not call.
    const controller = new AbortController();
    const waits: string[] = [];
    const second = new PhClient({
      config: s.config,
      redis: s.redis,
      env: s.env,
      maxWaitMs: 120_000,
      signal: controller.signal,
      onWait: (reason) => {
        waits.push(reason);
        setTimeout(() => controller.abort(), 200);
      },
    });
    await expect(second.query('query { post(slug: "acme") { id } }', {})).rejects.toBeInstanceOf(InterruptedError);
    await second.close();
    expect(waits).toEqual(['rate-limit budget spent, waiting for the reset']);
    expect(s.standIn.requestCount()).toBe(1);
  });
});

describe('a trickling API', () => {
  it('fails at productHunt.timeoutMs per attempt (total), not after the trickle ends', async () => {
    const s = await setup({}, { timeoutMs: 1000 });
    s.standIn.fail(...Array.from({ length: 4 }, () => ({ kind: 'trickle' as const, everyMs: 500 })));
    const started = Date.now();
    const err = await getPhStatus(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toMatch(/cannot reach the Product Hunt API .*\(timeout\)/);
    // 4 attempts of 1 s plus backoff; a trickle is 6 s per attempt.
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
