/**
 * warm against a real redis-server and the ISR stand-in site (127.0.0.1):
 * SET NX keeps an existing marker's value and TTL; TTLs land inside the jitter
 * range; retries on 5xx and network errors, never on 4xx; redirects reported,
 * not followed; the revalidation fallback gets the bearer secret and exactly
 * the failed paths; OOM from a full Redis is reported per path; bounded
 * concurrency; sitemap index + gzip + foreign origins; --predictive reads the
 * engagement day streams.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import { connectRedis, closeRedis } from '../../src/adapters/redis.js';
import type { LaunchConfigInput } from '../../src/config/schema.js';
import { warm, type WarmOptions } from '../../src/domain/warm/run.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { startSiteStandIn, type SiteStandIn, type SiteStandInOptions } from '../../src/standins/site.js';
import { makeConfig, useTestRedis } from '../helpers/redis.js';

const SECRET = 'revalidate-secret-0123456789';

describe('warm (integration)', () => {
  const redis = useTestRedis();
  const sites: SiteStandIn[] = [];
  afterAll(async () => {
    await Promise.all(sites.map((s) => s.stop()));
  });

  async function site(options: SiteStandInOptions): Promise<SiteStandIn> {
    const s = await startSiteStandIn({ renderMs: 5, revalidateSecret: SECRET, ...options });
    sites.push(s);
    return s;
  }

  function configFor(s: SiteStandIn, paths: { path: string; ttl: number }[], extra: LaunchConfigInput = {}) {
    return makeConfig(
      {
        ...extra,
        site: { origin: s.origin, revalidate: { url: s.revalidateUrl, secretEnv: 'TEST_REVALIDATE_SECRET' } },
        warm: { paths, retries: 2, timeoutMs: 2000, ...extra.warm },
      },
      redis.url(),
      redis.prefix(),
    );
  }

  const run = (options: Omit<WarmOptions, 'env' | 'retryBaseMs'> & { env?: NodeJS.ProcessEnv }) =>
    warm({ env: { TEST_REVALIDATE_SECRET: SECRET }, retryBaseMs: 10, ...options }).then((r) => r.result!);

  it('sets cache:<path> with NX EX, and leaves an existing marker’s value and TTL alone', async () => {
    const s = await site({ paths: ['/', '/pricing'] });
    const keys = createKeys(redis.prefix());
    await redis.client().set(keys.warmMarker('/pricing'), 'set-by-the-app', 'EX', 5000);
    const result = await run({ config: configFor(s, [{ path: '/', ttl: 300 }, { path: '/pricing', ttl: 600 }]) });

    expect(result.paths.map((p) => [p.path, p.result])).toEqual([
      ['/', 'warmed'],
      ['/pricing', 'skipped'],
    ]);
    expect(result.paths[1]!.existingTtl).toBeGreaterThan(4990);
    expect(await redis.client().get(keys.warmMarker('/pricing'))).toBe('set-by-the-app');
    expect(await redis.client().ttl(keys.warmMarker('/pricing'))).toBeGreaterThan(4990);
    const marker = JSON.parse((await redis.client().get(keys.warmMarker('/')))!) as { status: string; ts: number };
    expect(marker.status).toBe('warmed');
    expect(Math.abs(marker.ts - Date.now())).toBeLessThan(60_000);
    expect(result.successRate).toBe(1);
    expect(result.paths[0]!.cacheStatus).toBe('MISS');
  });

  it('sets every TTL inside the ± jitter range and reports the TTL it set', async () => {
    const paths = Array.from({ length: 40 }, (_, i) => `/p/${i}`);
    const s = await site({ paths });
    const config = configFor(
      s,
      paths.map((path) => ({ path, ttl: 600 })),
      { warm: { jitter: 0.15 } },
    );
    const result = await run({ config });
    const keys = createKeys(redis.prefix());
    const ttls = await Promise.all(paths.map((p) => redis.client().ttl(keys.warmMarker(p))));
    for (const [i, ttl] of ttls.entries()) {
      expect(ttl).toBeGreaterThanOrEqual(510 - 2);
      expect(ttl).toBeLessThanOrEqual(690);
      expect(Math.abs(ttl - result.paths[i]!.ttl!)).toBeLessThanOrEqual(2);
    }
    // Jittered: they do not all expire together.
    expect(new Set(ttls).size).toBeGreaterThan(10);
  });

  it('retries 5xx with backoff but not 4xx, and sends the paths that still fail to revalidation with the secret', async () => {
    const s = await site({
      paths: ['/flaky', '/down', '/gone', '/ok'],
      failures: { '/flaky': { times: 2 }, '/down': { times: 100, status: 502 } },
      statusFor: { '/gone': 404 },
    });
    const result = await run({ config: configFor(s, ['/flaky', '/down', '/gone', '/ok'].map((path) => ({ path, ttl: 60 }))) });
    const byPath = new Map(result.paths.map((p) => [p.path, p]));

    expect(byPath.get('/flaky')).toMatchObject({ result: 'warmed', httpStatus: 200, attempts: 3 });
    expect(s.requestCount('/flaky')).toBe(3);
    expect(byPath.get('/down')).toMatchObject({ result: 'failed', httpStatus: 502, attempts: 3, error: 'HTTP 502 after 3 attempts' });
    expect(s.requestCount('/down')).toBe(3);
    expect(byPath.get('/gone')).toMatchObject({ result: 'failed', httpStatus: 404, attempts: 1, error: 'HTTP 404' });
    expect(s.requestCount('/gone')).toBe(1);

    expect(s.revalidateCalls).toEqual([{ authorized: true, paths: ['/down', '/gone'], status: 200 }]);
    expect(result.fallback).toMatchObject({ url: s.revalidateUrl, paths: ['/down', '/gone'], status: 200, ok: true });
    expect(byPath.get('/down')!.revalidated).toBe(true);
    expect(result.successRate).toBe(0.5);
    expect(result.passed).toBe(false);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('reports a rejected revalidation secret, and a missing one without calling', async () => {
    const s = await site({ paths: ['/a'], statusFor: { '/a': 500 } });
    const config = configFor(s, [{ path: '/a', ttl: 60 }], { warm: { retries: 0 } });
    const rejected = await run({ config, env: { TEST_REVALIDATE_SECRET: 'wrong-secret' } });
    expect(rejected.fallback).toMatchObject({ status: 401, ok: false });
    expect(rejected.fallback!.error).toContain('secret rejected');
    expect(JSON.stringify(rejected)).not.toContain('wrong-secret');

    const unset = await run({ config, env: {} });
    expect(unset.fallback).toMatchObject({ status: null, ok: false });
    expect(unset.fallback!.error).toContain('TEST_REVALIDATE_SECRET is not set');
    expect(s.revalidateCalls).toHaveLength(1);
  });

  it('reports a redirect with its target instead of following it, and does not revalidate it', async () => {
    const s = await site({ paths: ['/new'], redirects: { '/old': '/new' } });
    const result = await run({ config: configFor(s, [{ path: '/old', ttl: 60 }]) });
    expect(result.paths[0]).toMatchObject({ result: 'failed', httpStatus: 301, location: '/new' });
    expect(result.paths[0]!.error).toContain('redirect to /new');
    expect(s.requestCount('/new')).toBe(0);
    expect(s.revalidateCalls).toHaveLength(0);
  });

  it('retries a network failure (connection refused) and reports it', async () => {
    const s = await site({ paths: ['/'] });
    const origin = s.origin;
    await s.stop();
    const config = makeConfig({ site: { origin }, warm: { paths: [{ path: '/', ttl: 60 }], retries: 1 } }, redis.url(), redis.prefix());
    const result = await run({ config });
    expect(result.paths[0]).toMatchObject({ result: 'failed', httpStatus: null, attempts: 2, error: 'ECONNREFUSED after 2 attempts' });
    expect(result.notes.join('\n')).toContain('site.revalidate is not configured');
  });

  it('a slow answer times out and is retried; a 429 is not retried and says what to change', async () => {
    const s = await site({ paths: ['/slow', '/limited'], slowMs: { '/slow': 3000 }, statusFor: { '/limited': 429 } });
    const config = configFor(s, [{ path: '/slow', ttl: 60 }, { path: '/limited', ttl: 60 }], { warm: { timeoutMs: 300, retries: 1 } });
    const result = await run({ config, env: {} });
    const byPath = new Map(result.paths.map((p) => [p.path, p]));
    expect(byPath.get('/slow')).toMatchObject({ result: 'failed', httpStatus: null, attempts: 2, error: 'timeout after 2 attempts' });
    expect(s.requestCount('/slow')).toBe(2);
    expect(byPath.get('/limited')).toMatchObject({ result: 'failed', httpStatus: 429, attempts: 1, error: 'HTTP 429 (rate limited: lower --concurrency)' });
  });

  it('GETs (never HEAD) without cache-busting headers, within the concurrency bound', async () => {
    const paths = Array.from({ length: 30 }, (_, i) => `/c/${i}`);
    const s = await site({ paths, renderMs: 30 });
    const config = configFor(s, paths.map((path) => ({ path, ttl: 60 })));
    const result = await run({ config: { ...config, warm: { ...config.warm, concurrency: 4 } } });
    expect(result.warmed).toBe(30);
    expect(s.maxInFlight()).toBeLessThanOrEqual(4);
    expect(s.maxInFlight()).toBeGreaterThan(1);
    for (const r of s.requests) {
      expect(r.method).toBe('GET');
      expect(r.headers['cache-control']).toBeUndefined();
      expect(r.headers.pragma).toBeUndefined();
      expect(r.headers['user-agent']).toBe('launchctl-warmer');
      // The variant browsers get is the one the CDN must hold.
      expect(r.headers['accept-encoding']).toBe('gzip, deflate, br');
    }
  });

  it('reads a gzipped sitemap index, warming only same-origin URLs, with --exclude and --limit', async () => {
    const paths = ['/', '/a', '/b', '/c', '/admin', '/admin/x'];
    const s = await site({ paths, sitemap: { gzip: true, perFile: 2, extraLocs: ['https://elsewhere.example/steal'] } });
    const config = configFor(s, [{ path: '/', ttl: 900 }], { warm: { sitemap: s.sitemapUrl } });
    const result = await run({ config, exclude: ['/admin/**', '/admin'], limit: 3 });
    expect(result.paths.map((p) => p.path)).toEqual(['/', '/a', '/b']);
    expect(result.paths[0]!.ttl).toBeGreaterThan(700); // the config TTL wins over the sitemap default
    expect(result.notes.join('\n')).toMatch(/1 URL of another origin skipped/);
    expect(result.notes.join('\n')).toMatch(/--exclude: 2 paths skipped/);
    expect(s.requests.some((r) => r.path.includes('steal'))).toBe(false);
  });

  it('warms sitemap paths highest <priority> first, so --limit keeps the important pages', async () => {
    const s = await site({ paths: ['/a', '/b', '/c', '/d'], sitemap: { perFile: 2, priorities: { '/c': 1, '/d': 0.8, '/a': 0.1 } } });
    const result = await run({ config: configFor(s, [], { warm: { sitemap: s.sitemapUrl } }), limit: 3 });
    // /b has no priority: the protocol's 0.5.
    expect(result.paths.map((p) => p.path)).toEqual(['/c', '/d', '/b']);
  });

  it('reads a sitemap from a file (gzipped), warming only its same-origin URLs', async () => {
    const s = await site({ paths: ['/', '/from-file'] });
    const dir = await mkdtemp(join(tmpdir(), 'launchctl-sitemap-'));
    try {
      const xml = `<urlset><url><loc>${s.origin}/from-file</loc></url><url><loc>https://elsewhere.example/x</loc></url></urlset>`;
      await writeFile(join(dir, 'sitemap.xml.gz'), gzipSync(xml));
      const config = configFor(s, []);
      const withSitemap = (sitemap: string) => ({ ...config, warm: { ...config.warm, sitemap } });
      const result = await run({ config: withSitemap('sitemap.xml.gz'), cwd: dir });
      expect(result.paths.map((p) => [p.path, p.result])).toEqual([['/from-file', 'warmed']]);
      await expect(run({ config: withSitemap('missing.xml'), cwd: dir })).rejects.toThrow('--sitemap: cannot read missing.xml (ENOENT)');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--predictive stretches the TTL of the paths people are on, from the engagement streams', async () => {
    const s = await site({ paths: ['/', '/pricing', '/blog', '/docs'] });
    const keys = createKeys(redis.prefix());
    const now = Date.now();
    const stream = keys.engagementStream(utcDay(now));
    const hits: Record<string, number> = { '/pricing': 30, '/': 10, '/blog': 10, '/docs': 2 };
    const pipeline = redis.client().pipeline();
    for (const [path, n] of Object.entries(hits)) {
      for (let i = 0; i < n; i++) {
        pipeline.xadd(stream, '*', 'userId', '7d9f1c8e-0b5a-4c1e-9d7a-2f3b4c5d6e7f', 'eventType', 'scroll', 'payload', JSON.stringify({ path, depth: 0.5 }), 'ts', String(now));
      }
    }
    await pipeline.exec();
    const config = configFor(
      s,
      ['/', '/pricing', '/blog', '/docs'].map((path) => ({ path, ttl: 100 })),
      { warm: { jitter: 0, predictiveMaxFactor: 2.5 } },
    );
    const result = await run({ config, predictive: true });
    const byPath = new Map(result.paths.map((p) => [p.path, p]));
    // median of [30, 10, 10, 2] is 10
    expect(byPath.get('/pricing')).toMatchObject({ factor: 2.5, ttl: 250 });
    expect(byPath.get('/pricing')!.reason).toContain('(max)');
    expect(byPath.get('/')).toMatchObject({ factor: 1, ttl: 100 });
    expect(byPath.get('/docs')).toMatchObject({ factor: 1, ttl: 100 });
    expect(result.predictive).toMatchObject({ sampled: 52, capped: false });
    expect(await redis.client().ttl(keys.warmMarker('/pricing'))).toBeGreaterThan(240);
  });

  it('--predictive with no history gives every path 1.5, and a sample cap is reported', async () => {
    const s = await site({ paths: ['/'] });
    const config = configFor(s, [{ path: '/', ttl: 100 }], { warm: { jitter: 0 } });
    const none = await run({ config, predictive: true });
    expect(none.paths[0]).toMatchObject({ factor: 1.5, ttl: 150 });

    const keys = createKeys(redis.prefix());
    const now = Date.now();
    for (let i = 0; i < 30; i++) await redis.client().xadd(keys.engagementStream(utcDay(now)), '*', 'userId', 'u', 'eventType', 'hover', 'payload', '{"path":"/"}', 'ts', String(now));
    const capped = await warm({ config, predictive: true, predictiveSample: 10, dryRun: true });
    expect(capped.result).toBeNull();
    expect(capped.plan.notes.join('\n')).toContain('sampled the newest 10 events');
  });

  it('a dry run plans but requests and writes nothing', async () => {
    const s = await site({ paths: ['/'] });
    const run = await warm({ config: configFor(s, [{ path: '/', ttl: 100 }]), dryRun: true });
    expect(run.plan.entries).toHaveLength(1);
    expect(run.result).toBeNull();
    expect(s.requestCount()).toBe(0);
    expect(await redis.client().exists(createKeys(redis.prefix()).warmMarker('/'))).toBe(0);
  });

  describe('a Redis out of memory (maxmemory 1mb, noeviction)', () => {
    let small: RedisServerHandle;
    beforeAll(async () => {
      small = await startRedisServer({ args: ['--maxmemory', '1mb', '--maxmemory-policy', 'noeviction'] });
      // Fill until Redis refuses a write. Used memory then hovers at the limit
      // (client buffers come and go), so the limit is lowered under the data to
      // make every later write an OOM, as on a server that is really full.
      const filler = new Redis(small.url, { maxRetriesPerRequest: 1 });
      for (let i = 0; i < 1000; i++) {
        const refused = await filler.set(`filler:${i}`, 'x'.repeat(16 * 1024)).then(
          () => false,
          () => true,
        );
        if (refused) break;
      }
      await filler.config('SET', 'maxmemory', '512kb');
      await expect(filler.set('probe', '1')).rejects.toThrow(/OOM/);
      filler.disconnect();
    });
    afterAll(async () => {
      await small?.stop();
    });

    it('reports OOM per path; the pages were still fetched', async () => {
      const s = await site({ paths: ['/', '/pricing'] });
      const config = makeConfig({ site: { origin: s.origin }, warm: { paths: [{ path: '/', ttl: 60 }, { path: '/pricing', ttl: 60 }] } }, small.url, 'oom:');
      const client = await connectRedis(config.redis);
      try {
        const result = (await warm({ config, redis: client })).result!;
        expect(result.failed).toBe(2);
        for (const p of result.paths) {
          expect(p).toMatchObject({ result: 'failed', stage: 'redis', httpStatus: 200 });
          expect(p.error).toMatch(/^redis OOM: /);
        }
        // A marker failure is not a page failure: nothing to revalidate.
        expect(s.revalidateCalls).toHaveLength(0);
      } finally {
        await closeRedis(client);
      }
    });
  });
});
