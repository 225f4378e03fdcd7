/**
 * The Product Hunt panel of watch against the PH stand-in and a real Redis:
 * - refreshes read the shared cache; only a stale cache triggers an API call,
 *   so several watchers in one cache window cost one upstream request;
 * - a rejected token or a spent budget shows in the PH panel only (the token
 *   never appears), while the Redis panels keep working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, type RedisClient } from '../../src/adapters/redis.js';
import { createKeys } from '../../src/keys.js';
import { collectSnapshot } from '../../src/domain/watch/collect.js';
import { createPhPanelSource } from '../../src/domain/watch/ph-panel.js';
import { startProductHuntStandIn, type ProductHuntStandIn } from '../../src/standins/producthunt.js';
import { ageCachedPhAnswers, makeConfig, useTestRedis } from '../helpers/redis.js';

describe('watch: Product Hunt panel', () => {
  const redis = useTestRedis();
  let standIn: ProductHuntStandIn;
  const clients: RedisClient[] = [];

  beforeAll(async () => {
    standIn = await startProductHuntStandIn();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => closeRedis(c)));
    await standIn.stop();
  });

  const setup = async (cacheTtl = 300) => {
    const config = makeConfig({ productHunt: { post: standIn.post, apiUrl: standIn.url, cacheTtl } }, redis.url(), redis.prefix());
    const client = await connectRedis(config.redis, 'patient');
    clients.push(client);
    return { config, client, keys: createKeys(config.redis.keyPrefix) };
  };

  it('three watchers in one cache window make one upstream request, then read the cache', async () => {
    const { config, client, keys } = await setup();
    const env = { PH_TOKEN: standIn.token };
    const before = standIn.requestCount();
    const sources = [0, 1, 2].map(() => createPhPanelSource({ config, redis: client, env, awaitRefresh: true })!);
    const panels = await Promise.all(sources.map((s) => s.read(Date.now())));
    for (const p of panels) expect(p).toMatchObject({ state: 'ok', post: standIn.post, votesCount: standIn.votes() });
    const afterFirst = standIn.requestCount();
    expect(afterFirst - before).toBeLessThanOrEqual(2); // one status fetch (post and leaderboard may be two GraphQL calls)
    expect(afterFirst - before).toBeGreaterThanOrEqual(1);

    for (let i = 0; i < 5; i++) {
      const s = await collectSnapshot({ client, config, keys, url: redis.url(), ph: sources[i % 3] });
      expect(s.productHunt?.state).toBe('ok');
    }
    expect(standIn.requestCount()).toBe(afterFirst);
  });

  it('shows a rejected token in the PH panel only, without the token', async () => {
    const { config, client, keys } = await setup();
    const secret = 'not-the-right-token-123';
    const ph = createPhPanelSource({ config, redis: client, env: { PH_TOKEN: secret }, awaitRefresh: true });
    const s = await collectSnapshot({ client, config, keys, url: redis.url(), ph });
    expect(s.productHunt).toMatchObject({ state: 'error', votesCount: null });
    expect(s.productHunt!.message).toMatch(/token/i);
    expect(JSON.stringify(s)).not.toContain(secret);
    expect(s.connection.state).toBe('connected');
    expect(s.redis).not.toBeNull();
  });

  it('keeps showing the last votes, marked, when the budget is spent and the cache is stale', async () => {
    const { config, client, keys } = await setup(1);
    const env = { PH_TOKEN: standIn.token };
    const ph = createPhPanelSource({ config, redis: client, env, awaitRefresh: true })!;
    const first = await ph.read(Date.now());
    expect(first.state).toBe('ok');
    standIn.exhaustBudget(120);
    // The 1 s cacheTtl has run out.
    expect(await ageCachedPhAnswers(redis.client(), redis.prefix(), 1500)).toBeGreaterThan(0);
    const s = await collectSnapshot({ client, config, keys, url: redis.url(), ph });
    expect(s.productHunt!.votesCount).toBe(first.votesCount);
    expect(s.productHunt!.stale || s.productHunt!.state === 'error').toBe(true);
    expect(s.productHunt!.message).not.toBeNull();
    expect(s.redis).not.toBeNull();
  });

  it('says "not configured" by being null when productHunt is absent', () => {
    const config = makeConfig({}, redis.url(), redis.prefix());
    expect(createPhPanelSource({ config, redis: clients[0]!, env: {} })).toBeNull();
  });
});
