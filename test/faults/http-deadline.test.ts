/**
 * Fault: an origin that trickles its answers (headers at once, then a piece
 * every 500 ms, never idle long enough for an idle timeout). warm.timeoutMs is
 * a TOTAL deadline (docs/warm.md): the warm GET, the sitemap fetch and the
 * revalidation POST each fail with "timeout" at about timeoutMs instead of
 * succeeding after the 6 s the trickle takes.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { LaunchConfigInput } from '../../src/config/schema.js';
import { UnreachableError } from '../../src/errors.js';
import { warm } from '../../src/domain/warm/run.js';
import { startSiteStandIn, type SiteStandIn, type SiteStandInOptions } from '../../src/standins/site.js';
import { makeConfig, useTestRedis } from '../helpers/redis.js';

const SECRET = 'deadline-secret-0123456789';
const TRICKLE = { everyMs: 500, chunks: 12 };

describe('HTTP deadlines are total (trickling origin)', () => {
  const redis = useTestRedis();
  const site = async (options: SiteStandInOptions): Promise<SiteStandIn> => {
    const s = await startSiteStandIn({ renderMs: 5, revalidateSecret: SECRET, ...options });
    onTestFinished(() => s.stop());
    return s;
  };
  const configFor = (s: SiteStandIn, paths: string[], extra: LaunchConfigInput['warm'] = {}) =>
    makeConfig(
      { site: { origin: s.origin, revalidate: { url: s.revalidateUrl, secretEnv: 'T_SECRET' } }, warm: { paths: paths.map((path) => ({ path, ttl: 60 })), retries: 0, timeoutMs: 1000, ...extra } },
      redis.url(),
      redis.prefix(),
    );

  it('a warm GET whose body trickles for 6 s is failed (timeout) at timeoutMs 1000, not warmed', async () => {
    const s = await site({ paths: ['/slow', '/fast'], trickle: { '/slow': TRICKLE } });
    const started = Date.now();
    const { result } = await warm({ config: configFor(s, ['/slow', '/fast']), env: {} });
    const elapsed = Date.now() - started;
    const byPath = new Map(result!.paths.map((p) => [p.path, p]));
    expect(byPath.get('/slow')).toMatchObject({ result: 'failed', error: 'timeout', attempts: 1 });
    expect(byPath.get('/fast')).toMatchObject({ result: 'warmed' });
    expect(await redis.client().exists(`${redis.prefix()}cache:/slow`)).toBe(0);
    expect(elapsed).toBeLessThan(4000);
  });

  it('a trickling sitemap fails the run as unreachable (timeout) instead of being read for 6 s', async () => {
    const s = await site({ paths: ['/a'], trickle: { '/sitemap.xml': TRICKLE } });
    const started = Date.now();
    const err = await warm({ config: configFor(s, [], { sitemap: s.sitemapUrl }), dryRun: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toMatch(/cannot read sitemap .*\(timeout\)/);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('a trickling revalidation endpoint is reported as a timeout', async () => {
    const s = await site({ paths: ['/ok'], statusFor: { '/gone': 500 }, trickle: { '/api/revalidate': TRICKLE } });
    const started = Date.now();
    const { result } = await warm({ config: configFor(s, ['/ok', '/gone']), env: { T_SECRET: SECRET } });
    expect(result!.fallback).toMatchObject({ ok: false, error: 'timeout', paths: ['/gone'] });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
