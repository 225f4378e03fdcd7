/**
 * Fault: a launch path that names another host. `new URL(path, origin)` turns
 * `//other.example/x` or `/\other.example/x` into a request to that host. Such
 * a warm.paths entry is a config error (exit 2) naming the field, and the
 * checklist's probes and warm's GETs check again at request time (a library
 * caller can skip validation): a second local server standing for "another
 * host" must see no request, whatever the shape.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAgent } from '../../src/adapters/http.js';
import { connectRedis, closeRedis } from '../../src/adapters/redis.js';
import { validateConfig } from '../../src/config/validate.js';
import { readSiteFacts } from '../../src/domain/checklist/gather/site.js';
import { planWarm } from '../../src/domain/warm/plan.js';
import { executeWarmPlan } from '../../src/domain/warm/run.js';
import { parseSitemap, splitByOrigin } from '../../src/domain/warm/sitemap.js';
import { createKeys } from '../../src/keys.js';
import { runCli } from '../helpers/cli.js';
import { makeConfig, sharedRedisUrl, testPrefix, useTestRedis } from '../helpers/redis.js';

interface Counted {
  origin: string;
  hostPort: string;
  paths: string[];
  server: Server;
}

async function countingServer(): Promise<Counted> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { origin: `http://127.0.0.1:${port}`, hostPort: `localhost:${port}`, paths, server };
}

describe('every probe of the site stays on site.origin', () => {
  const redis = useTestRedis();
  let site: Counted;
  let other: Counted;
  let dir: string;
  beforeAll(async () => {
    site = await countingServer();
    other = await countingServer();
    dir = await mkdtemp(join(tmpdir(), 'launchctl-origin-'));
  });
  afterAll(async () => {
    for (const s of [site, other]) {
      s.server.closeAllConnections();
      await new Promise((r) => s.server.close(r));
    }
    await rm(dir, { recursive: true, force: true });
  });
  const shapes = () => [`//${other.hostPort}/x`, `/\\${other.hostPort}/x`];

  it('a warm.paths entry resolving to another host is a config error naming the field, for both shapes', () => {
    for (const bad of shapes()) {
      const v = validateConfig({ site: { origin: site.origin }, warm: { paths: [{ path: '/ok', ttl: 60 }, { path: bad, ttl: 60 }] } });
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.errors).toEqual([`warm.paths[1].path: resolves to another host (${other.hostPort}): expected a path on site.origin, received ${JSON.stringify(bad)}`]);
    }
  });

  it('checklist with such a path: exit 2 naming warm.paths[1].path, no request anywhere', async () => {
    const file = join(dir, `${testPrefix().replace(/:/g, '-')}json`);
    await writeFile(file, JSON.stringify({ redis: { url: sharedRedisUrl(), keyPrefix: testPrefix() }, site: { origin: site.origin }, warm: { paths: [{ path: '/', ttl: 60 }, { path: shapes()[1], ttl: 60 }] } }));
    const r = await runCli(['-c', file, 'checklist', 't-1', '--only', 'site.paths']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('warm.paths[1].path: resolves to another host');
    expect(other.paths).toEqual([]);
  });

  it('the checklist probe refuses such a path at request time (library callers skip validation)', async () => {
    const agent = createHttpAgent();
    try {
      const facts = await readSiteFacts(['/ok', ...shapes()], 1, 2, { origin: site.origin, userAgent: 't', timeoutMs: 2000, dispatcher: agent, signal: new AbortController().signal });
      expect(facts.paths[0]!.samples[0]).toMatchObject({ status: 200 });
      for (const probe of facts.paths.slice(1)) expect(probe.samples).toEqual([{ status: null, latencyMs: null, error: expect.stringMatching(/^not requested: .* resolves outside http:\/\/127\.0\.0\.1:\d+$/) as unknown }]);
    } finally {
      await agent.close();
    }
    expect(other.paths).toEqual([]);
    expect(site.paths).toEqual(['/ok']);
  });

  it('warm does not GET such a path either, and a sitemap URL whose path starts with // counts as foreign', async () => {
    site.paths.length = 0;
    const config = makeConfig({ site: { origin: site.origin }, warm: { retries: 0 } }, redis.url(), redis.prefix());
    const plan = planWarm({ targets: ['/ok', ...shapes()].map((path) => ({ path, ttl: 60, source: 'file' as const })), origin: site.origin, keys: createKeys(redis.prefix()), jitter: 0, factors: null });
    const client = await connectRedis(config.redis);
    try {
      const result = await executeWarmPlan(plan, { config, redis: client, env: {} });
      expect(result.paths.map((p) => [p.path, p.result, p.error])).toEqual([
        ['/ok', 'warmed', null],
        [shapes()[0], 'failed', `not requested: resolves to another host (${other.hostPort})`],
        [shapes()[1], 'failed', `not requested: resolves to another host (${other.hostPort})`],
      ]);
    } finally {
      await closeRedis(client);
    }
    expect(site.paths).toEqual(['/ok']);
    expect(other.paths).toEqual([]);

    const parsed = await parseSitemap(`<urlset><url><loc>${site.origin}//${other.hostPort}/x</loc></url><url><loc>${site.origin}/a</loc></url></urlset>`);
    expect(splitByOrigin(parsed.locs, site.origin)).toEqual({ paths: ['/a'], foreign: [`${site.origin}//${other.hostPort}/x`] });
  });
});
