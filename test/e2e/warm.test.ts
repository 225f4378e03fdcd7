// End to end: `launchctl warm` as a process through pipes (CI cleared), against
// the stand-in site and the run's redis-server.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, startRedisServer } from '../../src/adapters/redis-server.js';
import { startSiteStandIn, type SiteStandIn } from '../../src/standins/site.js';
import { runCli, startCli } from '../helpers/cli.js';
import { onCluster, sharedRedisUrl, testPrefix } from '../helpers/redis.js';

const SECRET = 'e2e-revalidate-secret-42';

describe('launchctl warm (built CLI)', () => {
  let dir: string;
  let site: SiteStandIn;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'launchctl-warm-e2e-'));
    site = await startSiteStandIn({ paths: ['/', '/pricing', '/blog', '/docs'], renderMs: 5, revalidateSecret: SECRET, statusFor: { '/broken': 500 } });
  });
  afterAll(async () => {
    await site.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function writeConfig(paths: string[], extra: Record<string, unknown> = {}): Promise<string> {
    const file = join(dir, `${testPrefix().replace(/:/g, '-')}json`);
    const config = {
      redis: { url: sharedRedisUrl(), keyPrefix: testPrefix(), cluster: onCluster() },
      site: { origin: site.origin, revalidate: { url: site.revalidateUrl } },
      warm: { paths: paths.map((path) => ({ path, ttl: 300 })), retries: 0 },
      ...extra,
    };
    await writeFile(file, JSON.stringify(config));
    return file;
  }

  it('--json prints exactly one document of the documented shape, exit 0', async () => {
    const file = await writeConfig(['/', '/pricing']);
    const r = await runCli(['-c', file, 'warm', '--json'], { env: { REVALIDATE_SECRET: SECRET } });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const doc = JSON.parse(lines[0]!) as Record<string, unknown> & { paths: Record<string, unknown>[] };
    expect(doc).toMatchObject({ version: 1, total: 2, warmed: 2, skipped: 0, failed: 0, successRate: 1 });
    expect(doc.sources).toEqual({ config: 2, sitemap: null, file: null, duplicates: 0, excluded: 0, overLimit: 0 });
    for (const p of doc.paths) {
      expect(Object.keys(p)).toEqual(expect.arrayContaining(['path', 'result', 'httpStatus', 'latencyMs', 'ttl', 'cacheStatus', 'error']));
      expect(p.result).toBe('warmed');
      expect(p.httpStatus).toBe(200);
      expect(p.ttl).toBeGreaterThanOrEqual(255);
      expect(p.ttl).toBeLessThanOrEqual(345);
    }

    const again = await runCli(['-c', file, 'warm', '--json']);
    const second = JSON.parse(again.stdout) as { skipped: number; paths: { result: string; cacheStatus: string }[] };
    expect(second.skipped).toBe(2);
    expect(second.paths[0]).toMatchObject({ result: 'skipped', cacheStatus: 'HIT' });
  });

  it('prints a plain table and a summary line when not on a terminal; exit 1 below the success threshold', async () => {
    const file = await writeConfig(['/', '/blog', '/docs', '/broken']);
    const r = await runCli(['-c', file, 'warm'], { env: { REVALIDATE_SECRET: SECRET } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^path\s+HTTP\s+latency\s+cache\s+TTL\s+result$/m);
    expect(r.stdout).toMatch(/^\/broken\s+500 .*failed: HTTP 500/m);
    expect(r.stdout).toContain('3 warmed, 0 skipped (already warm), 1 failed of 4');
    expect(r.stdout).toMatch(/success 75\.0% < threshold 95\.0%/);
    expect(r.stdout).toMatch(/p50 \d+ms p95 \d+ms/);
    expect(r.stdout).toContain('revalidation fallback: POST');
    // eslint-disable-next-line no-control-regex
    expect(r.stdout + r.stderr).not.toMatch(/\x1b\[/);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('--dry-run prints the plan and touches nothing', async () => {
    const before = site.requestCount();
    const file = await writeConfig(['/', '/pricing']);
    const r = await runCli(['-c', file, 'warm', '--dry-run', '--predictive']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\/pricing\s+config\s+300s\s+×1\.5\s+\d+s \(382–518\)/m);
    expect(r.stdout).toContain('dry run: 2 paths');
    const j = await runCli(['-c', file, 'warm', '--dry-run', '--json']);
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.stdout) as { version: number; dryRun: boolean; total: number; plan: { path: string; ttl: number; factor: number; ttlRange: { min: number; max: number } }[] };
    expect(doc).toMatchObject({ version: 1, dryRun: true, total: 2 });
    expect(doc.plan[1]).toMatchObject({ path: '/pricing', factor: 1, ttlRange: { min: 255, max: 345 } });
    expect(site.requestCount()).toBe(before);
  });

  it('--predictive reads the engagement history the launch wrote (ingest) and stretches the hot path, through the same executor as the library', async () => {
    const prefix = testPrefix();
    const file = await writeConfig(['/', '/pricing'], { redis: { url: sharedRedisUrl(), keyPrefix: prefix, cluster: onCluster() } });
    const user = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const now = Date.now();
    const events = [
      ...Array.from({ length: 30 }, (_, i) => ({ userId: user(i), eventType: 'hover', payload: { path: '/pricing' }, timestamp: now - 60_000 + i })),
      ...Array.from({ length: 10 }, (_, i) => ({ userId: user(100 + i), eventType: 'scroll', payload: { path: '/' }, timestamp: now - 60_000 + i })),
    ];
    const ndjson = join(dir, `${prefix.replace(/:/g, '-')}events.ndjson`);
    await writeFile(ndjson, events.map((e) => JSON.stringify(e)).join('\n'));
    expect((await runCli(['-c', file, 'ingest', ndjson])).code).toBe(0);
    const r = await runCli(['-c', file, 'warm', '--predictive', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { warmed: number; predictive: { sampled: number } | null; paths: { path: string; factor: number; ttl: number; reason: string | null }[] };
    expect(doc.warmed).toBe(2);
    expect(doc.predictive?.sampled).toBe(40);
    const byPath = new Map(doc.paths.map((p) => [p.path, p]));
    // median of [10, 30] is 20: / stays ×1, /pricing gets ×1.5 (a 450 s TTL, jittered ±15%).
    expect(byPath.get('/')?.factor).toBe(1);
    expect(byPath.get('/pricing')?.factor).toBe(1.5);
    expect(byPath.get('/pricing')?.ttl).toBeGreaterThanOrEqual(382);
    expect(byPath.get('/pricing')?.reason).toContain('30 events');
  });

  it.each([
    [['--limit', 'ten'], '--limit: expected a positive integer, received "ten"'],
    [['--concurrency', '0'], '--concurrency: expected a positive integer'],
    [['--concurrency', '5000'], '--concurrency: at most 1024, received 5000'],
    [['--exclude', ''], '--exclude: expected a pattern'],
    [['--repeat-after', '10 minutes'], '--repeat-after: expected a duration like 500ms'],
    [['--sitemap', 'ftp://x/sitemap.xml'], '--sitemap: expected an http:// or https:// URL or a file'],
    [['--sitemap', 'no-such-sitemap.xml'], '--sitemap: cannot read no-such-sitemap.xml (ENOENT)'],
    [['--paths-file', 'no-such-file.txt'], '--paths-file: cannot read no-such-file.txt (ENOENT)'],
  ])('bad flags %j: exit 2 naming the flag', async (flags, message) => {
    const file = await writeConfig(['/']);
    const r = await runCli(['-c', file, 'warm', ...flags], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('a config without site.origin is exit 2 naming the field', async () => {
    const file = join(dir, 'no-site.json');
    await writeFile(file, JSON.stringify({ warm: { paths: [{ path: '/', ttl: 60 }] } }));
    const r = await runCli(['-c', file, 'warm']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('site.origin');
  });

  it('--repeat-after re-warms each interval, one JSON line per round, until Ctrl-C (exit 130)', async () => {
    const file = await writeConfig(['/', '/pricing']);
    const cli = startCli(['-c', file, 'warm', '--json', '--repeat-after', '1s']);
    await cli.until('2 rounds', () => cli.stdout().split('\n').filter(Boolean).length >= 2, 20_000);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    const rounds = cli
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { version: number; type: string; round: number; warmed: number; skipped: number });
    expect(rounds[0]).toMatchObject({ version: 1, type: 'round', round: 1, warmed: 2 });
    expect(rounds[1]).toMatchObject({ type: 'round', round: 2, skipped: 2 });
  });

  it('--repeat-after survives a Redis restart: the round while it is down fails, the next one warms', async () => {
    let server = await startRedisServer();
    const port = server.port;
    const file = join(dir, 'restart.json');
    await writeFile(file, JSON.stringify({ redis: { url: server.url }, site: { origin: site.origin }, warm: { paths: [{ path: '/', ttl: 1 }], retries: 0 } }));
    const cli = startCli(['-c', file, 'warm', '--json', '--repeat-after', '1s']);
    const lines = () => cli.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; round: number; error?: { type: string; message: string } });
    try {
      await cli.until('a round', () => lines().some((l) => l.type === 'round'), 20_000);
      await server.stop();
      await cli.until('an error line', () => lines().some((l) => l.type === 'error'), 20_000);
      server = await startRedisServer({ port });
      const errors = lines().length;
      await cli.until('a round after the restart', () => lines().slice(errors).some((l) => l.type === 'round'), 20_000);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(130);
      const error = lines().find((l) => l.type === 'error')!;
      expect(error.error).toMatchObject({ type: 'UnreachableError' });
      expect(error.error!.message).toContain(`cannot reach Redis at redis://127.0.0.1:${port}`);
    } finally {
      cli.child.kill('SIGKILL');
      await server.stop();
    }
  });

  it('Redis down: exit 3 within 5 s, URL with the password masked, no stack trace', async () => {
    const port = await findFreePort();
    const file = await writeConfig(['/']);
    const password = 'hunter2-very-secret';
    const r = await runCli(['-c', file, '--redis', `redis://user:${password}@127.0.0.1:${port}`, 'warm'], { timeoutMs: 15_000 });
    expect(r.code).toBe(3);
    expect(r.durationMs).toBeLessThan(5000);
    expect(r.stderr).toContain(`cannot reach Redis at redis://user:****@127.0.0.1:${port} (ECONNREFUSED)`);
    expect(r.stdout + r.stderr).not.toContain(password);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});
