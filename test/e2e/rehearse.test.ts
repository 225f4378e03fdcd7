// End to end: `launchctl rehearse` as a process (CI cleared): it passes on a
// machine with nothing set up, its report is sane, and it leaves no
// redis-server, no listening site and no temporary folder behind — also when
// interrupted with Ctrl-C.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { runCli, startCli } from '../helpers/cli.js';
import { listening, portOf } from '../helpers/ports.js';
import { sharedRedisUrl } from '../helpers/redis.js';

interface RehearsalDoc {
  version: number;
  ok: boolean;
  environment: { redis: string; ownRedis: boolean; site: string };
  sections: { id: string; ok: boolean; data: Record<string, unknown> }[];
  cleanup: { cleaned: string[]; failed: string[] };
}

describe('launchctl rehearse (built CLI)', () => {
  let tmp: string;
  beforeAll(async () => {
    // A private TMPDIR: every folder the rehearsal makes must be gone from it afterwards.
    tmp = await mkdtemp(join(tmpdir(), 'launchctl-rehearse-e2e-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('passes with nothing set up, reports cold vs warm, and cleans up everything', async () => {
    const r = await runCli(['rehearse', '--json', '--users', '500', '--duration', '4s'], { env: { TMPDIR: tmp }, timeoutMs: 60_000 });
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as RehearsalDoc;
    expect(doc).toMatchObject({ version: 1, ok: true, environment: { ownRedis: true } });
    // Later verbs add their own steps; these four are the warm-up's.
    const ids = doc.sections.map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['engagement-history', 'cold-latency', 'warm', 'warm-latency']));
    expect(ids.indexOf('cold-latency')).toBeLessThan(ids.indexOf('warm'));
    expect(ids.indexOf('warm')).toBeLessThan(ids.indexOf('warm-latency'));
    expect(doc.sections.every((s) => s.ok)).toBe(true);
    const section = (id: string) => doc.sections.find((s) => s.id === id)!.data;
    const cold = section('cold-latency') as { p50: number; p95: number; cache: Record<string, number> };
    const warmLatency = section('warm-latency') as { requests: number; p50: number; p95: number; cache: Record<string, number>; errors: number };
    const warm = section('warm') as { warmed: number; failed: number; paths: { factor: number }[] };
    expect(cold.cache.MISS).toBeGreaterThan(10);
    // After the warm-up every visitor gets a cache hit.
    expect(warmLatency.cache).toEqual({ HIT: warmLatency.requests });
    expect(warmLatency.errors).toBe(0);
    // The stand-in renders for 120 ms or more on a miss; a hit is served from memory.
    expect(cold.p50).toBeGreaterThanOrEqual(100);
    expect(warmLatency.p50).toBeLessThan(cold.p50);
    expect(warm.failed).toBe(0);
    // Launch traffic went through ingest and was consumed, with nothing left behind.
    const traffic = section('launch-traffic') as { events: number; consumed: number; drainedAfterMs: number | null; usersWithState: number; variants: Record<string, number> };
    expect(traffic.events).toBeGreaterThan(0);
    expect(traffic.consumed).toBeGreaterThanOrEqual(traffic.events);
    expect(traffic.drainedAfterMs).not.toBeNull();
    // The consumer drains the history's 500 users and the traffic's 500 (other seeds, other ids).
    expect(traffic.usersWithState).toBe(1000);
    // Ten callers in one cache window cost one Product Hunt request, and the votes climb.
    const ph = section('product-hunt') as { racerRequests: number; votes: number[] };
    expect(ph.racerRequests).toBe(1);
    expect(ph.votes.at(-1)).toBeGreaterThan(ph.votes[0]!);
    expect(warm.warmed).toBeGreaterThan(10);
    expect(Math.max(...warm.paths.map((p) => p.factor))).toBeGreaterThan(1.5);

    expect(doc.cleanup.failed).toEqual([]);
    expect(await listening(portOf(doc.environment.redis))).toBe(false);
    expect(await listening(portOf(doc.environment.site))).toBe(false);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('prints a readable report without --json', async () => {
    const r = await runCli(['rehearse', '--users', '200', '--duration', '2s'], { env: { TMPDIR: tmp }, timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ warm --predictive$/m);
    expect(r.stdout).toMatch(/cold → warm: p50 \S+ → \S+, p95 \S+ → \S+/);
    expect(r.stdout).toMatch(/^rehearsal passed in /m);
    expect(r.stdout).toContain('cleaned up: ');
    // eslint-disable-next-line no-control-regex
    expect(r.stdout + r.stderr).not.toMatch(/\x1b\[/);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('with --redis uses that Redis under a private prefix and deletes its keys after', async () => {
    const client = new Redis(sharedRedisUrl());
    try {
      const r = await runCli(['--redis', sharedRedisUrl(), 'rehearse', '--json', '--users', '100', '--duration', '2s'], { env: { TMPDIR: tmp }, timeoutMs: 60_000 });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as RehearsalDoc;
      expect(doc.environment.ownRedis).toBe(false);
      expect(doc.cleanup.cleaned.join(' ')).toMatch(/rehearsal keys under rehearse:[0-9a-f]+:\* deleted/);
      const [, left] = await client.scan('0', 'MATCH', 'rehearse:*', 'COUNT', 10_000);
      expect(left).toEqual([]);
      expect(await listening(portOf(sharedRedisUrl()))).toBe(true);
    } finally {
      client.disconnect();
    }
  });

  it('without redis-server on the machine: exit 3 with the install hint, nothing left behind', async () => {
    const r = await runCli(['rehearse'], { env: { TMPDIR: tmp, REDIS_SERVER_BIN: join(tmp, 'no-such-redis-server') } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('redis-server was not found on PATH');
    expect(r.stderr).toContain('apt-get install redis-server');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('a second Ctrl-C exits at once and still leaves no redis-server or folder behind', async () => {
    const own = await mkdtemp(join(tmpdir(), 'launchctl-rehearse-e2e-force-'));
    const cli = startCli(['rehearse', '--users', '200000'], { TMPDIR: own });
    const header = () => /redis-server (redis:\/\/\S+)/.exec(cli.stdout());
    await cli.until('the header', () => header() !== null, 30_000);
    const redisUrl = header()![1]!;
    // Two separate signals (back to back, the OS may merge them into one).
    cli.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 20));
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    // A SIGKILLed redis-server may need a moment to release its port.
    for (let i = 0; i < 20 && (await listening(portOf(redisUrl))); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await listening(portOf(redisUrl))).toBe(false);
    expect(await readdir(own)).toEqual([]);
    await rm(own, { recursive: true, force: true });
  });

  it('Ctrl-C mid-rehearsal exits 130 and still stops redis-server and the site', async () => {
    const cli = startCli(['rehearse', '--users', '150000'], { TMPDIR: tmp });
    // Interrupt once the environment is up (the header names both ports).
    const headerOf = () => /redis-server (redis:\/\/\S+) · stand-in site (http:\/\/\S+)/.exec(cli.stdout());
    await cli.until('the header', () => headerOf() !== null, 30_000);
    const header = headerOf()![0];
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    const [, redisUrl, siteUrl] = /(redis:\/\/\S+) · stand-in site (http:\/\/\S+)/.exec(header)!;
    expect(await listening(portOf(redisUrl!))).toBe(false);
    expect(await listening(portOf(siteUrl!))).toBe(false);
    expect(await readdir(tmp)).toEqual([]);
  });
});
