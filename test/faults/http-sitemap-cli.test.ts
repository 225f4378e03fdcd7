/**
 * Faults through the built CLI (npm run build first): a trickling page under
 * `warm` (the deadline is total), hostile sitemaps under `warm --dry-run`
 * (a clear exit 2 at once, not minutes of regex backtracking), and a SIGTERM
 * while a big sitemap is being parsed (exit 130: the parse yields to the event
 * loop and checks the signal, so the signal is not dropped).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSiteStandIn, type SiteStandIn } from '../../src/standins/site.js';
import { runCli, startCli } from '../helpers/cli.js';
import { sharedRedisUrl, testPrefix } from '../helpers/redis.js';

describe('warm against a trickling origin and hostile sitemaps (built CLI)', () => {
  let dir: string;
  let site: SiteStandIn;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'launchctl-http-faults-'));
    site = await startSiteStandIn({ paths: ['/', '/slow'], renderMs: 5, trickle: { '/slow': { everyMs: 500, chunks: 12 } } });
  });
  afterAll(async () => {
    await site.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function writeConfig(origin: string, paths: string[], warm: Record<string, unknown> = {}): Promise<string> {
    const file = join(dir, `${testPrefix().replace(/:/g, '-')}json`);
    await writeFile(file, JSON.stringify({ redis: { url: sharedRedisUrl(), keyPrefix: testPrefix() }, site: { origin }, warm: { paths: paths.map((path) => ({ path, ttl: 60 })), retries: 0, ...warm } }));
    return file;
  }

  it('a page trickling one piece every 500 ms is failed (timeout) at timeoutMs 1000, not warmed after 6 s', async () => {
    const file = await writeConfig(site.origin, ['/', '/slow'], { timeoutMs: 1000 });
    const r = await runCli(['-c', file, 'warm'], { timeoutMs: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\/slow\s.*failed: timeout/m);
    expect(r.stdout).toContain('1 warmed, 0 skipped (already warm), 1 failed of 2');
    expect(r.durationMs).toBeLessThan(5000);
  });

  it.each([
    ['20,000 unclosed <url>', `<urlset>${'<url><loc>https://x.example/a</loc>'.repeat(20_000)}`, /nested deeper than 32/],
    ['20,000 unclosed <sitemap>', `<sitemapindex>${'<sitemap><loc>https://x.example/a.xml</loc>'.repeat(20_000)}`, /nested deeper than 32/],
    ['20,000 unclosed <loc>', `<urlset><url>${'<loc>https://x.example/a'.repeat(20_000)}`, /nested deeper than 32/],
    ['a DOCTYPE with entities', '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><urlset><url><loc>&b;</loc></url></urlset>', /DOCTYPE\/ENTITY/],
  ])('a sitemap of %s: exit 2 with the reason, at once', async (_name, xml, reason) => {
    const sitemap = join(dir, `${testPrefix().replace(/:/g, '-')}xml`);
    await writeFile(sitemap, xml);
    const file = await writeConfig(site.origin, []);
    const r = await runCli(['-c', file, 'warm', '--dry-run', '--sitemap', sitemap], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.durationMs).toBeLessThan(10_000);
  });

  describe('SIGTERM while a big sitemap is being parsed', () => {
    let server: Server;
    let origin: string;
    let sent: () => void;
    const bodySent = new Promise<void>((resolve) => (sent = resolve));
    beforeAll(async () => {
      // ~42 MB of entries (under the 50 MB cap): seconds of parsing.
      const entry = (i: number) => `<url><loc>http://127.0.0.1/p/${i}?a=1&amp;b=2</loc><priority>0.5</priority></url>\n`;
      const body = Buffer.from(`<urlset>${Array.from({ length: 520_000 }, (_, i) => entry(i)).join('')}</urlset>`);
      server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/xml', 'content-length': body.length });
        res.end(body, () => sent());
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it('exits 130 (interrupted), not 0 after finishing the plan', async () => {
      const file = await writeConfig(origin, [], { timeoutMs: 20_000 });
      const cli = startCli(['-c', file, 'warm', '--dry-run', '--sitemap', `${origin}/sitemap.xml`]);
      try {
        await bodySent;
        // The whole body is out; receiving it on 127.0.0.1 takes a fraction of
        // this, parsing it seconds: the signal lands while the CLI is parsing
        // (a parse that never yields would only see it after printing the plan: exit 0).
        await new Promise((r) => setTimeout(r, 700));
        cli.child.kill('SIGTERM');
        expect(await cli.exited).toBe(130);
        expect(cli.stderr()).toContain('SIGTERM');
        expect(cli.stdout()).not.toMatch(/paths? planned|\/p\/1\b/);
      } finally {
        cli.child.kill('SIGKILL');
      }
    });
  });
});
