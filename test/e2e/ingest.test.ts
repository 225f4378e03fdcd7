/**
 * `launchctl ingest` and `launchctl consume --once` as processes: rejects with
 * line numbers and exit 1, the --json shapes, stdin with `-`, a missing file
 * (exit 2), an unreachable Redis (exit 3), --from-line. The faults (OOM,
 * resets, a lost server, oversized lines) are in test/faults/ingest-*.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, startRedisServer } from '../../src/adapters/redis-server.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { runCli, startCli } from '../helpers/cli.js';
import { useTestRedis } from '../helpers/redis.js';

const redis = useTestRedis();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'launchctl-ingest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(): Promise<string> {
  const path = join(dir, `config-${randomUUID()}.json`);
  await writeFile(path, JSON.stringify({ redis: { keyPrefix: redis.prefix() } }));
  return path;
}

const line = (userId: string, eventType: string, timestamp: number) => JSON.stringify({ userId, eventType, payload: { path: '/pricing' }, timestamp });

describe('launchctl ingest', () => {
  it('ingests valid lines, reports rejects with line numbers, exits 1', async () => {
    const user = randomUUID();
    const file = join(dir, 'mixed.ndjson');
    await writeFile(file, [line(user, 'hover', 1), '{not json', line('nope', 'hover', 2), '', line(user, 'scroll', 3), line(user, 'wink', 4)].join('\n'));
    const r = await runCli(['-c', await writeConfig(), '--redis', redis.url(), 'ingest', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ingested 2 events');
    expect(r.stdout).toContain('rejected 3 line(s)');
    expect(r.stdout).toMatch(/line 2: not JSON/);
    expect(r.stdout).toContain('line 3: userId: expected a UUID');
    expect(r.stdout).toContain('line 6: eventType: expected one of hover, scroll, cta_click, form_submit');
    const stream = createKeys(redis.prefix()).engagementStream(utcDay(Date.now()));
    expect(await redis.client().xlen(stream)).toBe(2);
  });

  it('--json prints one document with ingested, rejected and errors; stdin with -', async () => {
    const user = randomUUID();
    const input = `${line(user, 'cta_click', 1)}\n${line(user, 'oops', 2)}\n`;
    const r = await runCli(['-c', await writeConfig(), '--redis', redis.url(), '--json', 'ingest', '-'], { input });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ version: 1, ingested: 1, rejected: 1, errors: [{ line: 2, reason: expect.stringContaining('eventType') as unknown }] });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('exits 0 when every line is valid, and consume --once applies them', async () => {
    const user = randomUUID();
    const config = await writeConfig();
    const r = await runCli(['-c', config, '--redis', redis.url(), 'ingest', '-'], { input: `${line(user, 'scroll', 10)}\n${line(user, 'scroll', 20)}\n` });
    expect(r.code).toBe(0);
    const c = await runCli(['-c', config, '--redis', redis.url(), '--json', 'consume', '--once']);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ version: 1, processed: 2, deadLettered: 0, reclaimed: 0 });
    const state = JSON.parse((await redis.client().get(createKeys(redis.prefix()).convState(user)))!) as Record<string, unknown>;
    expect(state).toMatchObject({ variant: 'pricing', confidence: 0.6, lastUpdated: 20 });
  });

  it('a missing file is a usage error (exit 2)', async () => {
    const r = await runCli(['-c', await writeConfig(), '--redis', redis.url(), 'ingest', join(dir, 'nope.ndjson')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('FILE: cannot read');
    expect(r.stderr).toContain('ENOENT');
  });

  it('an unreachable Redis exits 3 naming the URL, password masked', async () => {
    const port = await findFreePort();
    const r = await runCli(['-c', await writeConfig(), '--redis', `redis://:s3cret@127.0.0.1:${port}`, 'ingest', '-'], { input: line(randomUUID(), 'hover', 1) });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
    expect(r.stderr).not.toContain('s3cret');
  });

  it('a Redis that goes away mid-ingest exits 3 naming the masked URL, not as a bug', async () => {
    const server = await startRedisServer({ args: ['--requirepass', 'mid-s3cret'] });
    try {
      const url = server.url.replace('redis://', 'redis://:mid-s3cret@');
      const cli = startCli(['-c', await writeConfig(), '--redis', url, 'ingest', '-']);
      const batch = Array.from({ length: 2000 }, (_, i) => line(randomUUID(), 'hover', 1_764_500_000_000 + i)).join('\n');
      // The process may exit before it reads everything written after the server is gone.
      cli.child.stdin.on('error', () => undefined);
      cli.child.stdin.write(`${batch}\n`);
      const probe = new Redis(url);
      try {
        const stream = createKeys(redis.prefix()).engagementStream(utcDay(Date.now()));
        for (let i = 0; i < 100 && (await probe.xlen(stream)) === 0; i++) await new Promise((r) => setTimeout(r, 50));
        expect(await probe.xlen(stream)).toBeGreaterThan(0);
      } finally {
        probe.disconnect();
      }
      await server.stop();
      // Lines keep arriving after the server is gone.
      cli.child.stdin.end(`${batch}\n`);
      expect(await cli.exited).toBe(3);
      expect(cli.stderr()).toMatch(new RegExp(`lost the connection to Redis at redis://:\\*{4}@127\\.0\\.0\\.1:${server.port}`));
      expect(cli.stderr()).toMatch(/resume with: launchctl ingest - --from-line \d+/);
      expect(cli.stderr()).not.toContain('internal error');
      expect(cli.stderr()).not.toContain('mid-s3cret');
    } finally {
      await server.stop();
    }
  });

  it('--from-line skips the lines before it; on an input whose last run got further, it skips what that run wrote', async () => {
    const file = join(dir, 'from-line.ndjson');
    const users = Array.from({ length: 5 }, () => randomUUID());
    await writeFile(file, `${users.map((u, i) => line(u, 'hover', i + 1)).join('\n')}\n`);
    const config = await writeConfig();
    const stream = createKeys(redis.prefix()).engagementStream(utcDay(Date.now()));
    const first = await runCli(['-c', config, '--redis', redis.url(), '--json', 'ingest', file, '--from-line', '3']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ ingested: 3, skipped: 2, certainLine: 5 });
    const userIds = async () => ((await redis.client().xrange(stream, '-', '+')) as [string, string[]][]).map(([, f]) => f[1]);
    expect(await userIds()).toEqual(users.slice(2));
    // The progress record is kept for a day.
    const ttl = await redis.client().ttl(createKeys(redis.prefix()).ingestProgress(stream));
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
    // That run recorded line 5: resuming from line 4 writes nothing twice.
    const again = await runCli(['-c', config, '--redis', redis.url(), '--json', 'ingest', file, '--from-line', '4']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ingested: 0, skipped: 5 });
    expect(again.stderr).toMatch(/continuing run \w+ of this input: lines up to 5 were already written by it/);
    // The same bytes on stdin are the same input (the source is a hash of the first line).
    const stdin = await runCli(['-c', config, '--redis', redis.url(), '--json', 'ingest', '-', '--from-line', '2'], { input: await readFile(file, 'utf8') });
    expect(JSON.parse(stdin.stdout)).toMatchObject({ ingested: 0, skipped: 5 });
    // A plain re-run writes everything again: what a user who re-runs asks for.
    const plain = await runCli(['-c', config, '--redis', redis.url(), '--json', 'ingest', file]);
    expect(JSON.parse(plain.stdout)).toMatchObject({ ingested: 5, skipped: 0 });
    expect(await userIds()).toEqual([...users.slice(2), ...users]);
  });

  it('Ctrl-C finishes the chunk in flight, exits 130 and prints the line to resume from', async () => {
    const config = await writeConfig();
    const stream = createKeys(redis.prefix()).engagementStream(utcDay(Date.now()));
    const cli = startCli(['-c', config, '--redis', redis.url(), 'ingest', '-']);
    // stdin stays open and idle: Ctrl-C must not wait for more input.
    cli.child.stdin.write(`${Array.from({ length: 2500 }, (_, i) => line(randomUUID(), 'hover', i)).join('\n')}\n`);
    for (let i = 0; i < 200 && (await redis.client().xlen(stream)) < 2000; i++) await new Promise((r) => setTimeout(r, 25));
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    const m = /ingest stopped at line (\d+); resume with: launchctl ingest - --from-line (\d+)/.exec(cli.stderr());
    expect(m, cli.stderr()).not.toBeNull();
    expect(Number(m![2])).toBe(Number(m![1]) + 1);
    expect(await redis.client().xlen(stream)).toBe(Number(m![1]));
  });

  it('a day stream key that holds something else is exit 3 naming the Redis error, and records no progress', async () => {
    const config = await writeConfig();
    const keys = createKeys(redis.prefix());
    const stream = keys.engagementStream(utcDay(Date.now()));
    await redis.client().set(stream, 'not a stream');
    const r = await runCli(['-c', config, '--redis', redis.url(), 'ingest', '-'], { input: `${line(randomUUID(), 'hover', 1)}\n` });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/refused the command \(WRONGTYPE\)/);
    expect(r.stderr).toContain('resume with: launchctl ingest - --from-line 1');
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    const [progress] = Object.values(await redis.client().hgetall(keys.ingestProgress(stream)));
    expect(progress).toMatch(/^\w+ 0$/);
  });

  it('--from-line takes a positive whole number (exit 2 naming the flag)', async () => {
    const r = await runCli(['-c', await writeConfig(), '--redis', redis.url(), 'ingest', '-', '--from-line', 'zero']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--from-line');
  });

  it('--reconnect-window takes a duration (exit 2 naming the flag, nothing written)', async () => {
    const r = await runCli(['-c', await writeConfig(), '--redis', redis.url(), 'ingest', '-', '--reconnect-window', 'soon'], { input: `${line(randomUUID(), 'scroll', 10)}\n` });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--reconnect-window: expected a duration like 500ms, 30s');
    expect(await redis.client().exists(createKeys(redis.prefix()).engagementStream(utcDay(Date.now())))).toBe(0);
  });

  it('consume rejects a bad flag value naming the flag (exit 2)', async () => {
    const r = await runCli(['-c', await writeConfig(), '--redis', redis.url(), 'consume', '--once', '--reclaim-idle', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--reclaim-idle');
  });
});
