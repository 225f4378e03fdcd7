/**
 * The stand-in site (src/standins/site.ts) behaves like an ISR deployment:
 * first hit slow with MISS, then HIT, STALE after its revalidate period while
 * it regenerates; concurrent first hits share one render; sitemap plain,
 * gzipped and as an index; the revalidation endpoint checks the bearer secret
 * and records calls; reset() makes it cold again.
 */
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpRequest } from '../../src/adapters/http.js';
import { startSiteStandIn, type SiteStandIn, type SiteStandInOptions } from '../../src/standins/site.js';

describe('stand-in site', () => {
  let site: SiteStandIn | undefined;
  afterEach(async () => {
    await site?.stop();
    site = undefined;
  });
  const start = async (options: SiteStandInOptions) => (site = await startSiteStandIn(options));
  const get = (path: string) => httpRequest(`${site!.origin}${path}`, { timeoutMs: 5000 });

  it('renders a page once (MISS), then serves it from cache (HIT), STALE after its period', async () => {
    await start({ paths: ['/pricing'], renderMs: 150, isrTtlMs: 300 });
    const first = await get('/pricing');
    expect(first.status).toBe(200);
    expect(first.headers['x-nextjs-cache']).toBe('MISS');
    expect(first.latencyMs).toBeGreaterThanOrEqual(140);
    const second = await get('/pricing');
    expect(second.headers['x-nextjs-cache']).toBe('HIT');
    await new Promise((r) => setTimeout(r, 400));
    const stale = await get('/pricing');
    expect(stale.headers['x-nextjs-cache']).toBe('STALE');
    expect(site!.renderCount('/pricing')).toBe(1);
    // The STALE answer started a render in the background (150 ms).
    await vi.waitFor(() => expect(site!.renderCount('/pricing')).toBe(2), { timeout: 5000, interval: 20 });
    expect((await get('/pricing')).headers['x-nextjs-cache']).toBe('HIT');
  });

  it('shares one render among concurrent first hits, and reset() makes it cold again', async () => {
    await start({ paths: ['/'], renderMs: 100 });
    const all = await Promise.all([get('/'), get('/'), get('/')]);
    expect(all.map((r) => r.headers['x-nextjs-cache'])).toEqual(['MISS', 'MISS', 'MISS']);
    expect(site!.renderCount('/')).toBe(1);
    site!.reset();
    expect((await get('/')).headers['x-nextjs-cache']).toBe('MISS');
    expect(site!.requestCount('/')).toBe(4);
  });

  it('answers 404 for unknown pages and follows its failure knobs', async () => {
    await start({ paths: ['/a'], renderMs: 1, failures: { '/a': { times: 2, status: 502 } }, redirects: { '/old': '/a' }, statusFor: { '/gone': 410 } });
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/a')).status).toBe(502);
    expect((await get('/a')).status).toBe(502);
    expect((await get('/a')).status).toBe(200);
    const moved = await get('/old');
    expect([moved.status, moved.headers.location]).toEqual([301, '/a']);
    expect((await get('/gone')).status).toBe(410);
  });

  it('serves its sitemap plain, gzipped, or as an index with extra locs', async () => {
    await start({ paths: ['/', '/a', '/b'], sitemap: { gzip: true, perFile: 2, extraLocs: ['https://elsewhere.example/x'] } });
    expect(site!.sitemapUrl).toMatch(/\/sitemap\.xml\.gz$/);
    const index = gunzipSync((await httpRequest(site!.sitemapUrl, { timeoutMs: 5000 })).body).toString();
    expect(index).toContain('<sitemapindex');
    const children = [...index.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!);
    expect(children).toHaveLength(2);
    const second = gunzipSync((await httpRequest(children[1]!, { timeoutMs: 5000 })).body).toString();
    expect(second).toContain(`${site!.origin}/b`);
    expect(second).toContain('https://elsewhere.example/x');
  });

  it('checks the revalidation secret and records every call', async () => {
    await start({ paths: ['/a'], renderMs: 1, revalidateSecret: 's3cret' });
    const post = (auth: string) =>
      httpRequest(site!.revalidateUrl, { method: 'POST', timeoutMs: 5000, headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ paths: ['/a'] }) });
    expect((await post('Bearer wrong')).status).toBe(401);
    expect((await post('Bearer s3cret')).status).toBe(200);
    expect(site!.revalidateCalls).toEqual([
      { authorized: false, paths: ['/a'], status: 401 },
      { authorized: true, paths: ['/a'], status: 200 },
    ]);
    expect((await get('/a')).headers['x-nextjs-cache']).toBe('HIT');
  });
});
