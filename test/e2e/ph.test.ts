/**
 * `launchctl ph` end to end: the built CLI as separate processes against the
 * Product Hunt stand-in and the shared test Redis. Covers: ten concurrent
 * processes making one upstream request; waiting out a 429 before retrying; a
 * spent budget (Remaining 0) shared through Redis stopping another process;
 * stale answers served while the budget is spent; the documented outcome and
 * exit code for 401, Cloudflare 403, 503-then-success, GraphQL errors,
 * malformed JSON and a timeout; the token never printed; missing config.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startProductHuntStandIn, type ProductHuntStandIn, type ProductHuntStandInOptions } from '../../src/standins/producthunt.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { ageCachedPhAnswers, onCluster, sharedRedisUrl, useTestRedis } from '../helpers/redis.js';

const TOKEN = 'phtok_e2e_7f3a9c1d5b2e8f40';
const dir = mkdtempSync(join(tmpdir(), 'launchctl-ph-'));
const redis = useTestRedis();

let standIn: ProductHuntStandIn | undefined;
afterEach(async () => {
  await standIn?.stop();
  standIn = undefined;
});

async function setup(options: ProductHuntStandInOptions = {}, productHunt: Record<string, unknown> = {}): Promise<{ standIn: ProductHuntStandIn; configPath: string }> {
  standIn = await startProductHuntStandIn({ token: TOKEN, ...options });
  const configPath = join(dir, `${redis.prefix().replace(/\W/g, '')}.json`);
  writeFileSync(configPath, JSON.stringify({ redis: { url: sharedRedisUrl(), keyPrefix: redis.prefix(), cluster: onCluster() }, productHunt: { post: 'acme', apiUrl: standIn.url, ...productHunt } }));
  return { standIn, configPath };
}

function ph(configPath: string, args: string[] = [], env: Record<string, string | undefined> = { PH_TOKEN: TOKEN }): Promise<CliResult> {
  return runCli(['-c', configPath, 'ph', ...args], { env: { PH_TOKEN: undefined, ...env }, timeoutMs: 40_000 });
}

/** The token (and any part of it longer than 8 chars) appears in no output. */
function expectNoToken(r: CliResult): void {
  expect(r.stdout + r.stderr).not.toContain(TOKEN);
  expect(r.stdout + r.stderr).not.toContain(TOKEN.slice(6));
}

function parseJson(r: CliResult): Record<string, unknown> {
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('ph status', () => {
  it('ten concurrent processes within one cache window make exactly one upstream request', async () => {
    const { standIn, configPath } = await setup();
    const results = await Promise.all(Array.from({ length: 10 }, () => ph(configPath, ['--json'])));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expectNoToken(r);
    }
    const docs = results.map(parseJson);
    expect(standIn.requestCount()).toBe(1);
    expect(docs.filter((d) => d.cached === false)).toHaveLength(1);
    expect(new Set(docs.map((d) => d.votesCount)).size).toBe(1);
    expect(new Set(docs.map((d) => d.fetchedAt)).size).toBe(1);
    expect(docs[0]).toMatchObject({ version: 1, post: 'acme', name: 'Acme', rateLimit: { limit: 6250, remaining: 6240 } });
    expect(Object.keys(docs[0]!)).toEqual(expect.arrayContaining(['post', 'votesCount', 'commentsCount', 'rank', 'votesLastHour', 'cached', 'fetchedAt', 'rateLimit']));
  });

  it('prints a readable status on a pipe, with rank labelled approximate', async () => {
    const { configPath } = await setup();
    const r = await ph(configPath);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/votes\s+\d+/);
    expect(r.stdout).toContain('approximate');
    expect(r.stdout).toMatch(/6240\/6250 points left/);
    expect(r.stdout).not.toContain('\x1b[');
    expectNoToken(r);
  });

  it('after a 429 with a reset of a few seconds, sends nothing before the reset, then resumes by itself', async () => {
    const { standIn, configPath } = await setup();
    standIn.exhaustBudget(3);
    const r = await ph(configPath, ['--json']);
    expect(r.code, r.stderr).toBe(0);
    const requests = standIn.requests().filter((q) => q.path.startsWith('/v2/api/graphql'));
    expect(requests.map((q) => q.status)).toEqual([429, 200]);
    // The reset header counts whole seconds from the 429; nothing arrived before it.
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(2900);
    expect(r.stderr).toContain('rate limited (429), waiting for the reset');
    expect(parseJson(r)).toMatchObject({ cached: false, post: 'acme' });
  });

  it('a spent budget (Remaining 0) recorded in Redis stops another process from calling', async () => {
    const { standIn, configPath } = await setup({ costPerRequest: 10 });
    // The next answer leaves Remaining at 0, with the reset two minutes away.
    standIn.exhaustBudget(120, 10);
    const first = await ph(configPath, ['--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(parseJson(first)).toMatchObject({ rateLimit: { remaining: 0 } });
    expect(standIn.requestCount()).toBe(1);

    const fresh = await ph(configPath, ['--fresh', '--json']);
    expect(fresh.code).toBe(3);
    expect(fresh.stderr).toMatch(/rate-limit budget is spent .*resets at \d\d:\d\d:\d\d UTC \(in 1m \d\ds\)/);
    expect(parseJson(fresh)).toMatchObject({ error: { type: 'UnreachableError', exitCode: 3 } });
    expect(standIn.requestCount()).toBe(1);

    // Without --fresh the cached answer is still served.
    const cached = await ph(configPath, ['--json']);
    expect(cached.code).toBe(0);
    expect(parseJson(cached)).toMatchObject({ cached: true });
    expect(standIn.requestCount()).toBe(1);
  });

  it('serves the stale answer, marked stale, when the cache expired and the budget is spent', async () => {
    const { standIn, configPath } = await setup({}, { cacheTtl: 1 });
    standIn.exhaustBudget(120, 10);
    expect((await ph(configPath, ['--json'])).code).toBe(0);
    // The 1 s cacheTtl has run out.
    expect(await ageCachedPhAnswers(redis.client(), redis.prefix(), 1500)).toBeGreaterThan(0);
    const r = await ph(configPath, ['--json']);
    expect(r.code).toBe(0);
    expect(parseJson(r)).toMatchObject({ cached: true, stale: true });
    expect(r.stderr).toContain('budget is spent: showing the cached answer');
    expect(standIn.requestCount()).toBe(1);
  });
});

describe('ph errors: documented outcome and exit code, token never printed', () => {
  it('401: exit 3, "token rejected", naming the variable and not the token', async () => {
    const { configPath } = await setup();
    const r = await ph(configPath, ['--json'], { PH_TOKEN: `${TOKEN}-wrong` });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('token rejected');
    expect(r.stderr).toContain('$PH_TOKEN');
    expect(r.stdout + r.stderr).not.toContain(`${TOKEN}-wrong`);
    expectNoToken(r);
    expect(parseJson(r)).toMatchObject({ error: { exitCode: 3 } });
  });

  it('ten concurrent processes with a rejected token: all exit 3, the waiting ones reuse the failure instead of each calling', async () => {
    const { standIn, configPath } = await setup();
    const results = await Promise.all(Array.from({ length: 10 }, () => ph(configPath, ['--json'], { PH_TOKEN: 'not-the-token' })));
    for (const r of results) {
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('token rejected');
      expect(r.stdout + r.stderr).not.toContain('not-the-token');
    }
    // Processes starting after the shared failure expired (5 s) may ask again; most must not.
    expect(standIn.requestCount()).toBeLessThanOrEqual(3);
  });

  it('403 with an HTML page: exit 3, "blocked by Cloudflare"', async () => {
    const { standIn, configPath } = await setup();
    standIn.fail({ kind: 'cloudflare' });
    const r = await ph(configPath);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('blocked by Cloudflare');
    expectNoToken(r);
  });

  it('503 then success: retried with backoff, exit 0', async () => {
    const { standIn, configPath } = await setup();
    standIn.fail({ kind: '503' }, { kind: '503' });
    const r = await ph(configPath, ['--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(standIn.requests().map((q) => q.status)).toEqual([503, 503, 200]);
    expect(r.stderr).toContain('HTTP 503, retrying');
    expectNoToken(r);
  });

  it('GraphQL errors in a 200: exit 3 with the API message', async () => {
    const { standIn, configPath } = await setup();
    standIn.fail({ kind: 'graphql-error', message: 'Query has complexity of 1126, which exceeds max complexity of 1000' });
    const r = await ph(configPath);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Query has complexity of 1126, which exceeds max complexity of 1000');
    expect(standIn.requestCount()).toBe(1);
    expectNoToken(r);
  });

  it('malformed JSON: exit 3, not retried', async () => {
    const { standIn, configPath } = await setup();
    standIn.fail({ kind: 'malformed' });
    const r = await ph(configPath, ['--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('not the expected JSON');
    expect(standIn.requestCount()).toBe(1);
    expectNoToken(r);
  });

  it('a timeout: retried a bounded number of times, then exit 3 naming the timeout', async () => {
    // undici checks timeouts on a coarse timer (about 1 s), so the answers are slower than that.
    const { standIn, configPath } = await setup({}, { timeoutMs: 300 });
    standIn.fail(...Array.from({ length: 4 }, () => ({ kind: 'slow' as const, ms: 1500 })));
    const r = await ph(configPath);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot reach the Product Hunt API at http:\/\/127\.0\.0\.1:\d+ \(timeout\): gave up after 4 attempts/);
    expect(standIn.requestCount()).toBe(4);
    expectNoToken(r);
  });

  it('no credentials: exit 2 naming the variables; no productHunt section: exit 2', async () => {
    const { standIn, configPath } = await setup();
    const r = await ph(configPath, [], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('$PH_TOKEN');
    expect(standIn.requestCount()).toBe(0);

    const bare = join(dir, 'bare.json');
    writeFileSync(bare, JSON.stringify({ redis: { url: sharedRedisUrl(), cluster: onCluster() } }));
    const r2 = await ph(bare);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('productHunt is not configured');
  });

  it('--wait with a bad duration: exit 2 naming the flag', async () => {
    const { configPath } = await setup();
    const r = await ph(configPath, ['--wait', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--wait');
  });
});

describe('ph leaderboard and history', () => {
  it('leaderboard pages 20 at a time and marks our post; history records each fresh fetch', async () => {
    const shared = await setup({ otherPosts: 30 });
    const board = await ph(shared.configPath, ['leaderboard', '--json']);
    expect(board.code, board.stderr).toBe(0);
    const doc = parseJson(board) as { entries: { slug: string; ours: boolean; rank: number }[]; complete: boolean };
    expect(doc.entries).toHaveLength(31);
    expect(doc.complete).toBe(true);
    expect(doc.entries.filter((e) => e.ours).map((e) => e.slug)).toEqual(['acme']);
    expect(shared.standIn.requestCount()).toBe(2);

    const text = await ph(shared.configPath, ['leaderboard']);
    expect(text.stdout.split('\n').find((l) => l.includes('Acme'))).toContain('◀ ours');

    await ph(shared.configPath, ['--fresh', '--json']);
    const history = await ph(shared.configPath, ['history', '--json']);
    expect(history.code).toBe(0);
    const h = parseJson(history) as { points: { votes: number; ts: number }[] };
    expect(h.points).toHaveLength(2);
    expect(h.points[1]!.ts).toBeGreaterThan(h.points[0]!.ts);
    const plain = await ph(shared.configPath, ['history']);
    expect(plain.stdout).toContain('2 points');
  });
});
