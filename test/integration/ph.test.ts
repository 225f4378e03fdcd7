/**
 * The Product Hunt service in-process (src/domain/ph/service.ts) against the
 * stand-in and the shared test Redis: cache-only reads, concurrent callers in
 * one process sharing one request, the client-credentials token exchanged once
 * and renewed when revoked, out-of-order rate-limit observations merged in
 * Redis, Ctrl-C during a wait, velocity from the history, and an API message
 * that echoes the token being redacted.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRedis, closeRedis, type RedisClient } from '../../src/adapters/redis.js';
import { PhClient } from '../../src/adapters/producthunt/client.js';
import { getPhLeaderboard, getPhStatus, readPhHistory, readPhRateLimit } from '../../src/domain/ph/service.js';
import { pacificDay } from '../../src/domain/ph/day.js';
import { InterruptedError, UnreachableError } from '../../src/errors.js';
import { createKeys } from '../../src/keys.js';
import { startProductHuntStandIn, type ProductHuntStandIn, type ProductHuntStandInOptions } from '../../src/standins/producthunt.js';
import { makeConfig, useTestRedis } from '../helpers/redis.js';

const TOKEN = 'phtok_integration_4c8d2a9e71';
const test = useTestRedis();
let standIn: ProductHuntStandIn | undefined;
let client: RedisClient | undefined;

afterEach(async () => {
  await standIn?.stop();
  standIn = undefined;
  if (client) await closeRedis(client);
  client = undefined;
});

async function setup(options: ProductHuntStandInOptions = {}, productHunt: Record<string, unknown> = {}) {
  standIn = await startProductHuntStandIn({ token: TOKEN, ...options });
  const config = makeConfig({ productHunt: { post: 'acme', apiUrl: standIn.url, ...productHunt } }, test.url(), test.prefix());
  client = await connectRedis(config.redis);
  return { standIn, config, redis: client, env: { PH_TOKEN: TOKEN } as NodeJS.ProcessEnv };
}

describe('getPhStatus', () => {
  it('cacheOnly never calls the API: null before any fetch, then the shared answer', async () => {
    const s = await setup();
    expect(await getPhStatus({ ...s, cacheOnly: true })).toBeNull();
    expect(s.standIn.requestCount()).toBe(0);
    const fetched = await getPhStatus(s);
    expect(fetched.cached).toBe(false);
    const cached = await getPhStatus({ ...s, cacheOnly: true });
    expect(cached).toMatchObject({ cached: true, votesCount: fetched.votesCount, fetchedAt: fetched.fetchedAt });
    expect(s.standIn.requestCount()).toBe(1);
  });

  it('concurrent callers in one process share one upstream request', async () => {
    const s = await setup();
    const all = await Promise.all(Array.from({ length: 5 }, () => getPhStatus(s)));
    expect(s.standIn.requestCount()).toBe(1);
    expect(all.filter((x) => !x.cached)).toHaveLength(1);
  });

  it('computes votes in the last hour from the recorded history', async () => {
    const s = await setup({ votesPerMinute: 600 });
    const first = await getPhStatus(s);
    expect(first.votesLastHour).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    const second = await getPhStatus({ ...s, fresh: true });
    expect(second.votesLastHour).toBe(second.votesCount - first.votesCount);
    expect(second.votesLastHour).toBeGreaterThan(0);
    const points = await readPhHistory(s.redis, s.config, 0);
    expect(points.map((p) => p.votes)).toEqual([first.votesCount, second.votesCount]);
  });

  it('reports a slug Product Hunt does not know as a config error', async () => {
    const s = await setup();
    const config = { ...s.config, productHunt: { ...s.config.productHunt!, post: 'no-such-post' } };
    const err = (await getPhStatus({ ...s, config }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('ConfigError');
    expect(err.message).toContain('no-such-post');
  });

  it('redacts the token when an API message echoes it', async () => {
    const s = await setup();
    s.standIn.fail({ kind: 'graphql-error', message: `Field error near "${TOKEN}"` });
    const err = await getPhStatus(s).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).not.toContain(TOKEN);
    expect((err as Error).message).toContain('****');
  });

  it('stops waiting for the budget on Ctrl-C (the signal) with InterruptedError', async () => {
    const s = await setup();
    s.standIn.exhaustBudget(30);
    const controller = new AbortController();
    const pending = getPhStatus({ ...s, maxWaitMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(pending).rejects.toBeInstanceOf(InterruptedError);
    expect(s.standIn.requestCount()).toBe(1);
  });
});

describe('leaderboard', () => {
  it('follows cursors 20 posts at a time and ranks by votes', async () => {
    const s = await setup({ otherPosts: 45 });
    const board = await getPhLeaderboard(s);
    expect(board!.entries).toHaveLength(46);
    expect(s.standIn.requestCount()).toBe(3);
    const votes = board!.entries.map((e) => e.votesCount);
    expect(votes).toEqual([...votes].sort((a, b) => b - a));
    // The status shares the leaderboard's snapshot.
    const status = await getPhStatus(s);
    expect(status.rank).toBe(board!.entries.find((e) => e.ours)!.rank);
    expect(s.standIn.requestCount()).toBe(3);
  });
});

describe('hidden votes', () => {
  it('gives no rank, and says why, when every post shows the same count in the first hours of the day', async () => {
    const s = await setup({ hideVotes: true });
    const oneHourIn = pacificDay(Date.now()).startMs + 3_600_000;
    const status = await getPhStatus({ ...s, now: () => oneHourIn });
    expect(status.rank).toBeNull();
    expect(status.rankNote).toContain('hidden');
  });
});

describe('client credentials', () => {
  it('exchanges the id and secret once, caches the client token in Redis, and renews it when revoked', async () => {
    const s = await setup();
    const env = { PH_CLIENT_ID: s.standIn.clientId, PH_CLIENT_SECRET: s.standIn.clientSecret } as NodeJS.ProcessEnv;
    await getPhStatus({ ...s, env });
    await getPhStatus({ ...s, env, fresh: true });
    const tokenCalls = () => s.standIn.requests().filter((r) => r.kind === 'token').length;
    expect(tokenCalls()).toBe(1);

    // Revoke: overwrite the cached client token; the 401 triggers one new exchange.
    const tokenKey = createKeys(s.config.redis.keyPrefix).phClientToken(createHash('sha256').update(s.standIn.clientId).digest('hex').slice(0, 16));
    expect(await s.redis.exists(tokenKey)).toBe(1);
    await s.redis.set(tokenKey, 'revoked-token');
    const status = await getPhStatus({ ...s, env, fresh: true });
    expect(status.cached).toBe(false);
    expect(tokenCalls()).toBe(2);
  });

  it('a wrong secret is "token rejected" without printing the secret', async () => {
    const s = await setup();
    const env = { PH_CLIENT_ID: s.standIn.clientId, PH_CLIENT_SECRET: 'wrong-secret-value-123' } as NodeJS.ProcessEnv;
    const err = (await getPhStatus({ ...s, env }).catch((e: unknown) => e)) as UnreachableError;
    expect(err.code).toBe('PH_TOKEN_REJECTED');
    expect(err.message).toContain('token rejected');
    expect(err.message).not.toContain('wrong-secret-value-123');
  });
});

describe('shared rate-limit state', () => {
  it('keeps the lowest Remaining of one window whatever the order the answers arrive in', async () => {
    const s = await setup();
    const ph = new PhClient({ ...s, maxWaitMs: 0 });
    const record = (ph as unknown as { recordRateLimit(rl: unknown): Promise<void> }).recordRateLimit.bind(ph);
    const resetAt = Date.now() + 600_000;
    await record({ limit: 6250, remaining: 6000, resetAt });
    await record({ limit: 6250, remaining: 6100, resetAt: resetAt + 1000 });
    expect(await readPhRateLimit(s.redis, s.config)).toEqual({ limit: 6250, remaining: 6000, resetAt: resetAt + 1000 });
    // A later window replaces it.
    await record({ limit: 6250, remaining: 6240, resetAt: resetAt + 900_000 });
    expect((await readPhRateLimit(s.redis, s.config))!.remaining).toBe(6240);
    await ph.close();
  });
});
