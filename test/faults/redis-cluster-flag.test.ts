/**
 * The app's Cluster client may come from another copy of ioredis than
 * launchctl's, so `instanceof Cluster` is false for it. launchctl tells a
 * cluster by ioredis' own `isCluster` flag: handed such a client (here the real
 * client behind a prototype that is not launchctl's Cluster), the deep scan
 * still reads every master, SCAN still visits every master, and warm still
 * writes its markers per key instead of in one cross-slot pipeline.
 */
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, scanKeys, scanNodes, type RedisClient } from '../../src/adapters/redis.js';
import { scanConversionStates } from '../../src/domain/state/deep-scan.js';
import { warm } from '../../src/domain/warm/run.js';
import { createKeys } from '../../src/keys.js';
import { startSiteStandIn, type SiteStandIn } from '../../src/standins/site.js';
import { startCluster, type LocalCluster } from '../helpers/faults.js';
import { makeConfig } from '../helpers/redis.js';

/** The same client, seen as an instance of no class launchctl knows (as another ioredis copy's would be). */
function fromAnotherIoredis(client: RedisClient): RedisClient {
  return new Proxy(client, {
    getPrototypeOf: () => Object.prototype,
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('Cluster detection by isCluster', () => {
  let cluster: LocalCluster;
  let client: RedisClient;
  let site: SiteStandIn;
  const prefix = 'flag:';
  const keys = createKeys(prefix);
  const paths = Array.from({ length: 40 }, (_, i) => `/p${i}`);

  beforeAll(async () => {
    cluster = await startCluster(3);
    client = await connectRedis(makeConfig({ redis: { cluster: true } }, cluster.url, prefix).redis);
    site = await startSiteStandIn({ paths, renderMs: 1 });
  }, 30_000);

  afterAll(async () => {
    if (client) await closeRedis(client);
    await site?.stop();
    await cluster?.stop();
  });

  it('the stand-in is no Cluster by instanceof, and is one by its flag', () => {
    const foreign = fromAnotherIoredis(client);
    expect(foreign instanceof Cluster).toBe(false);
    expect(scanNodes(foreign)).toHaveLength(3);
  });

  it('the deep scan and SCAN read every master; warm writes every marker across slots', async () => {
    const foreign = fromAnotherIoredis(client);
    for (let i = 0; i < 60; i++) await client.set(keys.convState(`user-${i}`), JSON.stringify({ variant: 'pricing', confidence: 0.5, lastUpdated: 1 }), 'EX', 600);
    expect((await scanConversionStates(foreign, keys)).total).toBe(60);
    let seen = 0;
    for await (const batch of scanKeys(foreign, `${prefix}*`)) seen += batch.length;
    expect(seen).toBe(60);

    const config = makeConfig({ site: { origin: site.origin }, warm: { paths: paths.map((path) => ({ path, ttl: 60 })), retries: 0 } }, cluster.url, prefix);
    const { result } = await warm({ config, redis: foreign });
    expect(result?.paths.filter((p) => p.stage === 'redis')).toEqual([]);
    expect(result?.warmed).toBe(paths.length);
    const ttls = await Promise.all(paths.map((p) => client.ttl(keys.warmMarker(p))));
    expect(ttls.every((t) => t > 0)).toBe(true);
  });
});
