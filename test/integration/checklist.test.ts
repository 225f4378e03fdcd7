/**
 * `checklist` facts and checks against real processes: redis-server started
 * each way (maxmemory 0; allkeys-lru; volatile-lru with maxmemory; a tiny
 * noeviction server driven into OOM rejections), the shared server for day
 * streams, consumer-group lag and pending entries, dead letters and warm
 * markers; a local HTTP site with good and bad Cache-Control and og: tags; the
 * ISR-like stand-in site (cold first renders, a redirect); an
 * HTTPS server with a self-signed certificate that expires in 3 days (made by
 * openssl); a site that never answers (the deadline holds); an unreachable
 * Redis; and the Product Hunt stand-in (token accepted and rejected, missing
 * post, budget, no second API request within the cache TTL).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import type { LaunchConfigInput } from '../../src/config/schema.js';
import { gatherChecklistFacts } from '../../src/domain/checklist/gather/index.js';
import { buildLaunchReport } from '../../src/domain/checklist/launch-report.js';
import { neededFacts, selectChecks } from '../../src/domain/checklist/registry.js';
import { evaluateChecks } from '../../src/domain/checklist/report.js';
import type { CheckResult, Phase } from '../../src/domain/checklist/types.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { startProductHuntStandIn, type ProductHuntStandIn } from '../../src/standins/producthunt.js';
import { startSiteStandIn } from '../../src/standins/site.js';
import { makeConfig, sharedRedisUrl, useTestRedis } from '../helpers/redis.js';

const HOUR = 3_600_000;

async function run(input: LaunchConfigInput, phase: Phase, ids: string[] | undefined, options: { url?: string; env?: NodeJS.ProcessEnv; nowMs?: number; prefix?: string } = {}) {
  const config = makeConfig(input, options.url ?? sharedRedisUrl(), options.prefix);
  const checks = selectChecks(phase, ids);
  const nowMs = options.nowMs ?? Date.now();
  const gathered = await gatherChecklistFacts({ config, env: options.env ?? {}, needs: neededFacts(checks), phase, nowMs, reportPath: null, signal: new AbortController().signal });
  const results = new Map<string, CheckResult>(evaluateChecks(checks, gathered.facts, config.thresholds).map((r) => [r.id, r]));
  return { results, get: (id: string) => results.get(id)!, ...gathered };
}

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('Redis configured each way', () => {
  const servers: Record<string, RedisServerHandle> = {};
  beforeAll(async () => {
    const [unlimited, allkeys, volatile, tiny] = await Promise.all([
      startRedisServer({ args: ['--maxmemory', '0'] }),
      startRedisServer({ args: ['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru'] }),
      startRedisServer({ args: ['--maxmemory', '256mb', '--maxmemory-policy', 'volatile-lru'] }),
      startRedisServer({ args: ['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'] }),
    ]);
    Object.assign(servers, { unlimited, allkeys, volatile, tiny });
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  });

  const REDIS_IDS = ['redis.reachable', 'redis.latency', 'redis.version', 'redis.maxmemory', 'redis.eviction-policy', 'redis.headroom'];

  it('maxmemory 0: redis.maxmemory fails, headroom is measured against system memory', async () => {
    const r = await run({}, 't-1', REDIS_IDS, { url: servers.unlimited!.url });
    expect(r.redisUnreachable).toBe(false);
    expect(r.get('redis.reachable').status).toBe('pass');
    expect(r.get('redis.maxmemory')).toMatchObject({ status: 'fail', found: '0 (no limit)' });
    expect(r.get('redis.eviction-policy').status).toBe('pass');
    expect(r.get('redis.headroom').found).toContain('system memory');
  });

  it('allkeys-lru: redis.eviction-policy fails', async () => {
    const r = await run({}, 't-1', REDIS_IDS, { url: servers.allkeys!.url });
    expect(r.get('redis.maxmemory')).toMatchObject({ status: 'pass' });
    expect(r.get('redis.maxmemory').found).toContain('64.00M via CONFIG');
    expect(r.get('redis.eviction-policy')).toMatchObject({ status: 'fail', found: 'allkeys-lru' });
    // 7 days × 50,000 entries does not fit in 64 MB.
    expect(r.get('redis.headroom').status).toBe('fail');
  });

  it('volatile-lru with maxmemory: the Redis checks pass', async () => {
    const r = await run({ streams: { maxLen: 10_000 } }, 't-1', REDIS_IDS, { url: servers.volatile!.url });
    for (const id of REDIS_IDS) expect(r.get(id).status, `${id}: ${r.get(id).found}`).toBe('pass');
    expect(r.get('redis.latency').found).toMatch(/p50 .*ms, p99 .*ms \(30 PINGs\)/);
  });

  it('OOM rejections show in redis.errors (INFO errorstats)', async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(servers.tiny!.url, { maxRetriesPerRequest: 0 });
    try {
      await client.set('big', 'x'.repeat(3 * 1024 * 1024)).catch(() => undefined);
      await expect(client.set('more', 'y')).rejects.toThrow(/OOM/);
    } finally {
      client.disconnect();
    }
    const r = await run({}, 't0', ['redis.errors'], { url: servers.tiny!.url });
    expect(r.get('redis.errors').status).toBe('fail');
    expect(r.get('redis.errors').found).toMatch(/^[1-9]\d* OOM rejections/);
  });

  it('an unreachable Redis: redis.reachable fails with the cause, the checks that need Redis skip', async () => {
    const port = await findFreePort();
    const r = await run({ redis: { connectTimeoutMs: 500 } }, 't-1', ['redis.reachable', 'redis.version', 'streams.bounded', 'warm.jitter'], { url: `redis://:hunter2@127.0.0.1:${port}` });
    expect(r.redisUnreachable).toBe(true);
    expect(r.get('redis.reachable').status).toBe('fail');
    expect(r.get('redis.reachable').found).toContain('ECONNREFUSED');
    expect(r.get('redis.reachable').found).not.toContain('hunter2');
    expect(r.get('redis.version').status).toBe('skip');
    expect(r.get('streams.bounded').status).toBe('skip');
    expect(r.get('warm.jitter').status).toBe('pass');
  });
});

describe('cost of a run', () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server.stop());

  /** Commands the server ran during one full t0 checklist (INFO commandstats, reset before). */
  async function commandsPerRun(): Promise<Record<string, number>> {
    const { Redis } = await import('ioredis');
    const admin = new Redis(server.url);
    try {
      await admin.config('RESETSTAT');
      await run({ warm: { paths: [{ path: '/', ttl: 60 }, { path: '/pricing', ttl: 60 }] } }, 't0', undefined, { url: server.url, prefix: 'app:' });
      const text = await admin.info('commandstats');
      const calls: Record<string, number> = {};
      for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info' && m[1] !== 'config|resetstat') calls[m[1]!] = Number(m[2]);
      return calls;
    } finally {
      admin.disconnect();
    }
  }

  async function addStateKeys(count: number): Promise<void> {
    const { Redis } = await import('ioredis');
    const admin = new Redis(server.url);
    try {
      for (let start = 0; start < count; start += 5000) {
        const p = admin.pipeline();
        for (let i = start; i < Math.min(count, start + 5000); i++) p.set(`app:conv:state:user-${i}`, '{"variant":"default","confidence":0.1,"lastUpdated":1}', 'EX', 3600);
        await p.exec();
      }
    } finally {
      admin.disconnect();
    }
  }

  it('the same commands with 1,000 and 50,000 state keys (no SCAN, no KEYS)', async () => {
    await addStateKeys(1000);
    const small = await commandsPerRun();
    await addStateKeys(50_000);
    const large = await commandsPerRun();
    expect(large).toEqual(small);
    expect(small.xlen).toBe(1);
    expect(small.ping).toBeGreaterThanOrEqual(30);
    expect(Object.keys(small).some((c) => c === 'scan' || c === 'keys')).toBe(false);
  });
});

describe('streams, consumer group, markers (shared server)', () => {
  const redis = useTestRedis();

  it('lag, pending entries and dead letters of today’s stream', async () => {
    const keys = createKeys(redis.prefix());
    const now = Date.now();
    const stream = keys.engagementStream(utcDay(now));
    const c = redis.client();
    for (let i = 0; i < 20; i++) await c.xadd(stream, '*', 'userId', `u${i}`, 'eventType', 'hover', 'payload', '{}', 'ts', String(now));
    await c.xgroup('CREATE', stream, 'conversion', '0');
    await c.xreadgroup('GROUP', 'conversion', 'w1', 'COUNT', 5, 'STREAMS', stream, '>');
    const ok = await run({}, 't0', ['streams.group', 'streams.bounded'], { prefix: redis.prefix(), nowMs: now + 500 });
    expect(ok.get('streams.group').status).toBe('pass');
    expect(ok.get('streams.group').found).toMatch(/lag 15, 5 pending, oldest/);
    expect(ok.get('streams.bounded').found).toContain('longest 20');

    const lagging = await run({ thresholds: { groupLagMax: 10 } }, 't0', ['streams.group'], { prefix: redis.prefix(), nowMs: now + 500 });
    expect(lagging.get('streams.group').status).toBe('fail');

    const stuck = await run({}, 't0', ['streams.group'], { prefix: redis.prefix(), nowMs: now + 5 * 60_000 });
    expect(stuck.get('streams.group').status).toBe('fail');
    expect(stuck.get('streams.group').hint).toContain('reclaim');

    await c.xadd(keys.deadLetters(), '*', 'userId', 'x', 'reason', 'invalid event');
    const dead = await run({}, 't0', ['streams.group'], { prefix: redis.prefix(), nowMs: now + 500 });
    expect(dead.get('streams.group')).toMatchObject({ status: 'warn' });
    expect(dead.get('streams.group').found).toContain('1 dead letters');
  });

  it('no group on the stream fails at T-1; a stream far above maxLen fails streams.bounded', async () => {
    const keys = createKeys(redis.prefix());
    const now = Date.now();
    const c = redis.client();
    const pipeline = c.pipeline();
    for (let i = 0; i < 400; i++) pipeline.xadd(keys.engagementStream(utcDay(now)), '*', 'userId', `u${i}`, 'eventType', 'scroll', 'payload', '{}', 'ts', String(now));
    await pipeline.exec();
    const r = await run({ streams: { maxLen: 100 } }, 't-1', ['streams.group', 'streams.bounded'], { prefix: redis.prefix() });
    expect(r.get('streams.group')).toMatchObject({ status: 'fail' });
    expect(r.get('streams.bounded')).toMatchObject({ status: 'fail' });
    expect(r.get('streams.bounded').found).toContain('longest 400');
  });

  it('warm markers: one of two launch paths warmed fails warm.markers', async () => {
    const keys = createKeys(redis.prefix());
    await redis.client().set(keys.warmMarker('/'), JSON.stringify({ status: 'warmed', ts: Date.now() }), 'EX', 60);
    const r = await run({ warm: { paths: [{ path: '/', ttl: 60 }, { path: '/pricing', ttl: 60 }] } }, 't0', ['warm.markers'], { prefix: redis.prefix() });
    expect(r.get('warm.markers')).toMatchObject({ status: 'fail' });
    expect(r.get('warm.markers').found).toContain('1/2 (50.0%), cold: /pricing');
  });

  it('the T+1 launch report reads the counters, streams, markers and peak memory', async () => {
    const keys = createKeys(redis.prefix());
    const c = redis.client();
    await c.hset(keys.convStats(), { events: '42', users: '7', 'variant:default': '4', 'variant:pricing': '2', 'variant:video': '1' });
    await c.xadd(keys.engagementStream(utcDay(Date.now())), '*', 'userId', 'u', 'eventType', 'hover', 'payload', '{}', 'ts', '1');
    const r = await run({ warm: { paths: [{ path: '/', ttl: 60 }] } }, 't+1', ['launch.report'], { prefix: redis.prefix() });
    expect(r.get('launch.report').status).toBe('warn');
    expect(r.get('launch.report').found).toContain('missing productHunt: not configured');
    const report = buildLaunchReport(r.facts);
    expect(report.events).toMatchObject({ ingested: 1, consumed: 42 });
    expect(report.variants).toEqual({ default: 4, pricing: 2, video: 1 });
    expect(report.warm).toEqual({ paths: 1, warmed: 0, successRate: 0 });
    expect(report.memory?.peakBytes).toBeGreaterThan(0);
  });
});

describe('the site', () => {
  let server: Server;
  let origin = '';
  let landing = '<html><head><meta property="og:title" content="Acme"><meta property="og:image" content="https://acme.example/og.png"></head></html>';
  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'public, s-maxage=60, stale-while-revalidate=30' }).end(landing);
      else if (req.url === '/pricing') res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' }).end('<html></html>');
      else res.writeHead(500).end('boom');
    });
    origin = `http://127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('good and bad Cache-Control, a 500, og: tags', async () => {
    const good = await run({ site: { origin }, warm: { paths: [{ path: '/', ttl: 60 }] } }, 't-1', ['site.paths', 'site.social', 'site.latency', 'site.tls']);
    expect(good.get('site.paths').status).toBe('pass');
    expect(good.get('site.social').status).toBe('pass');
    expect(good.get('site.latency').status).toBe('pass');
    expect(good.get('site.latency').found).toContain('(3 GETs)');
    expect(good.get('site.tls')).toMatchObject({ status: 'skip' });

    const uncached = await run({ site: { origin }, warm: { paths: [{ path: '/', ttl: 60 }, { path: '/pricing', ttl: 60 }] } }, 't-1', ['site.paths']);
    expect(uncached.get('site.paths')).toMatchObject({ status: 'warn', found: 'not cacheable: /pricing (no-store)' });

    const broken = await run({ site: { origin }, warm: { paths: [{ path: '/', ttl: 60 }, { path: '/checkout', ttl: 60 }] } }, 't-1', ['site.paths']);
    expect(broken.get('site.paths')).toMatchObject({ status: 'fail', found: '/checkout 500' });

    landing = '<html><head><title>Acme</title></head></html>';
    const bare = await run({ site: { origin } }, 't-1', ['site.social']);
    expect(bare.get('site.social')).toMatchObject({ status: 'fail', found: 'missing og:title and og:image' });
  });

  it('a site that never answers fails its checks at the deadline instead of hanging', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((s) => sockets.push(s));
    const port = await listen(silent);
    try {
      const started = Date.now();
      const r = await run({ site: { origin: `http://127.0.0.1:${port}` }, thresholds: { checkTimeoutMs: 300, siteSamples: 1 } }, 't-1', ['site.paths', 'site.social', 'warm.jitter']);
      expect(r.get('site.paths').status).toBe('fail');
      expect(r.get('site.social').status).toBe('fail');
      expect(r.get('warm.jitter').status).toBe('pass');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });
});

describe('the ISR-like stand-in site', () => {
  it('slow cold renders warn site.latency until the pages are cached; a redirect fails site.paths', async () => {
    const site = await startSiteStandIn({ paths: ['/', '/pricing'], renderMs: 400, redirects: { '/old': '/pricing' } });
    try {
      const input = { site: { origin: site.origin }, warm: { paths: [{ path: '/', ttl: 60 }, { path: '/pricing', ttl: 60 }] }, thresholds: { siteLatencyP95Ms: 200 } };
      const cold = await run(input, 't-1', ['site.paths', 'site.latency']);
      expect(cold.get('site.paths').status).toBe('pass');
      expect(cold.get('site.latency')).toMatchObject({ status: 'warn' });
      expect(cold.get('site.latency').hint).toContain('launchctl warm');
      const warm = await run(input, 't-1', ['site.latency']);
      expect(warm.get('site.latency').status).toBe('pass');
      const moved = await run({ ...input, warm: { paths: [{ path: '/old', ttl: 60 }] } }, 't-1', ['site.paths']);
      expect(moved.get('site.paths')).toMatchObject({ status: 'fail', found: '/old 301' });
    } finally {
      await site.stop();
    }
  });
});

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)('TLS certificate (openssl)', () => {
  let port = 0;
  let close: () => void = () => undefined;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'launchctl-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '3', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('ok'));
    port = await listen(server);
    close = () => server.close();
  });
  afterAll(() => close());

  it('a self-signed certificate that expires in 3 days fails site.tls', async () => {
    const r = await run({ site: { origin: `https://localhost:${port}` } }, 't-1', ['site.tls']);
    const tls = r.get('site.tls');
    expect(tls.status).toBe('fail');
    expect(tls.found).toMatch(/in [23] days \(not trusted: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);
    expect(tls.hint).toContain('renew');
  });

  it('only warns when the thresholds allow it (certFailDays 2, certWarnDays 5)', async () => {
    const r = await run({ site: { origin: `https://localhost:${port}` }, thresholds: { certFailDays: 2, certWarnDays: 5 } }, 't-1', ['site.tls']);
    expect(r.get('site.tls').status).toBe('warn');
  });
});

describe('Product Hunt (stand-in)', () => {
  const redis = useTestRedis();
  let standIn: ProductHuntStandIn;
  beforeAll(async () => {
    standIn = await startProductHuntStandIn({ token: 'phtok_checklist_1234567890' });
  });
  afterAll(() => standIn.stop());

  const PH_IDS = ['ph.token', 'ph.post', 'ph.budget'];

  it('token accepted, post found, budget left; a second run within the cache TTL makes no API request', async () => {
    const input = { productHunt: { post: 'acme', apiUrl: standIn.url } };
    const env = { PH_TOKEN: standIn.token };
    const before = standIn.requestCount();
    const first = await run(input, 't-1', PH_IDS, { prefix: redis.prefix(), env });
    for (const id of PH_IDS) expect(first.get(id).status, `${id}: ${first.get(id).found}`).toBe('pass');
    expect(first.get('ph.post').found).toMatch(/^Acme: \d+ votes/);
    const afterFirst = standIn.requestCount();
    expect(afterFirst).toBeGreaterThan(before);
    const second = await run(input, 't-1', PH_IDS, { prefix: redis.prefix(), env });
    expect(second.get('ph.token').status).toBe('pass');
    expect(standIn.requestCount()).toBe(afterFirst);
    expect(JSON.stringify([...second.results.values()])).not.toContain(standIn.token);
  });

  it('a wrong token fails ph.token; an unset one names the variable', async () => {
    const input = { productHunt: { post: 'acme', apiUrl: standIn.url } };
    const wrong = await run(input, 't-1', PH_IDS, { prefix: redis.prefix(), env: { PH_TOKEN: 'phtok_wrong_000000000000' } });
    expect(wrong.get('ph.token').status).toBe('fail');
    expect(wrong.get('ph.post').status).toBe('skip');
    expect(JSON.stringify([...wrong.results.values()])).not.toContain('phtok_wrong');
    const unset = await run(input, 't-1', ['ph.token'], { prefix: redis.prefix(), env: {} });
    expect(unset.get('ph.token').status).toBe('fail');
    expect(unset.get('ph.token').found).toContain('PH_TOKEN');
  });

  it('a post that is not there yet warns before launch and fails at T-0', async () => {
    const input = { productHunt: { post: 'not-launched-yet', apiUrl: standIn.url } };
    const env = { PH_TOKEN: standIn.token };
    const before = await run(input, 't-1', ['ph.token', 'ph.post'], { prefix: redis.prefix(), env });
    expect(before.get('ph.token').status).toBe('pass');
    expect(before.get('ph.post').status).toBe('warn');
    const at = await run(input, 't0', ['ph.post'], { prefix: redis.prefix(), env, nowMs: Date.now() + HOUR });
    expect(at.get('ph.post').status).toBe('fail');
  });

  it('productHunt not configured: the ph checks skip', async () => {
    const r = await run({}, 't-1', PH_IDS, { prefix: redis.prefix() });
    for (const id of PH_IDS) expect(r.get(id).status).toBe('skip');
  });
});
