// A Redis that stops answering (a frozen server, a black-holed network, a stale
// address after failover) fails every one-shot verb within connect + command
// timeout, exit 3, naming the masked URL and the silence: never the ~15 minutes
// the kernel takes to give up on TCP.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis } from '../../src/adapters/redis.js';
import { startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import { runCli, startCli, type CliResult } from '../helpers/cli.js';
import { makeConfig } from '../helpers/redis.js';

const PASSWORD = 'S1lent/Pa:ss+w0rd=?#';
const EVENTS = `${JSON.stringify({ userId: '6f1c2f9e-2b1a-4c1e-9d1a-000000000001', eventType: 'cta_click', payload: { path: '/pricing' }, timestamp: Date.now() })}\n`;

function assertSilenceReported(r: CliResult, port: number) {
  const all = r.stdout + r.stderr;
  expect(r.code, all).toBe(3);
  expect(r.durationMs, all).toBeLessThan(15_000);
  expect(all).toContain(`redis://:****@127.0.0.1:${port}`);
  expect(all).toMatch(/no answer in 1 s/);
  for (const form of [PASSWORD, encodeURIComponent(PASSWORD)]) expect(all).not.toContain(form);
  expect(all).not.toMatch(/internal error|\n\s+at /);
}

describe('a silent Redis', () => {
  let server: RedisServerHandle;
  let dir: string;
  let url: string;
  let stopped = false;

  beforeAll(async () => {
    server = await startRedisServer({ args: ['--requirepass', PASSWORD] });
    url = `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}`;
    dir = await mkdtemp(join(tmpdir(), 'launchctl-silent-'));
    await writeFile(
      join(dir, 'launch.config.json'),
      JSON.stringify({
        redis: { connectTimeoutMs: 1000, commandTimeoutMs: 1000, keyPrefix: 'silent:' },
        site: { origin: 'http://127.0.0.1:9' },
        warm: { paths: [{ path: '/', ttl: 60 }] },
        productHunt: { post: 'silent', apiUrl: 'http://127.0.0.1:9/v2/api/graphql' },
      }),
    );
    await writeFile(join(dir, 'events.ndjson'), EVENTS);
  });

  afterAll(async () => {
    if (stopped) server.process.kill('SIGCONT');
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const run = (args: string[]) => runCli(args, { cwd: dir, env: { REDIS_URL: url, PH_TOKEN: 'tok-silent-test' }, timeoutMs: 30_000 });

  it('stopped before the verb connects: every one-shot verb exits 3 within connect + command timeout', async () => {
    server.process.kill('SIGSTOP');
    stopped = true;
    try {
      const verbs = [['ingest', 'events.ndjson'], ['state', '--summary'], ['trim'], ['warm'], ['ph'], ['consume', '--once'], ['--json', 'state', '--summary']];
      const results = await Promise.all(verbs.map((v) => run(v)));
      results.forEach((r) => assertSilenceReported(r, server.port));
      expect((JSON.parse(results.at(-1)!.stdout) as { error: unknown }).error).toMatchObject({ type: 'UnreachableError', exitCode: 3 });
    } finally {
      server.process.kill('SIGCONT');
      stopped = false;
    }
  });

  it('watch (long-running) treats a frozen Redis as a lost connection: "reconnecting", then recovers by itself', { timeout: 60_000 }, async () => {
    const cli = startCli(['watch', '--json', '--interval', '500ms', '-c', join(dir, 'launch.config.json')], { REDIS_URL: url });
    const lines = () => cli.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { redis: { connected: boolean; error?: string | null } });
    try {
      await cli.until('a connected line', () => lines().some((l) => l.redis.connected), 20_000);
      server.process.kill('SIGSTOP');
      stopped = true;
      const before = lines().length;
      await cli.until('a reconnecting line', () => lines().slice(before).some((l) => !l.redis.connected), 20_000);
      server.process.kill('SIGCONT');
      stopped = false;
      const down = lines().length;
      await cli.until('a connected line after the thaw', () => lines().slice(down).some((l) => l.redis.connected), 30_000);
      expect(cli.stderr()).toContain('reconnecting');
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(130);
      for (const form of [PASSWORD, encodeURIComponent(PASSWORD)]) expect(cli.stdout() + cli.stderr()).not.toContain(form);
      expect(cli.stderr()).not.toMatch(/internal error|\n\s+at /);
    } finally {
      if (stopped) server.process.kill('SIGCONT');
      stopped = false;
      cli.child.kill('SIGKILL');
    }
  });

  it('the deadline spares a blocking read its BLOCK time, and still ends it on a frozen server', { timeout: 30_000 }, async () => {
    const settings = makeConfig({ redis: { commandTimeoutMs: 500, connectTimeoutMs: 1000 } }, url, 'silent-block:').redis;
    const [reader, oneshot] = await Promise.all([connectRedis(settings, 'blocking'), connectRedis(settings, 'oneshot')]);
    try {
      await oneshot.xgroup('CREATE', 'silent-block:s', 'g', '$', 'MKSTREAM');
      // BLOCK 1500 on a client whose commands have a 500 ms deadline: not cut short.
      let started = performance.now();
      expect(await reader.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 1500, 'STREAMS', 'silent-block:s', '>')).toBeNull();
      expect(performance.now() - started).toBeGreaterThanOrEqual(1400);

      server.process.kill('SIGSTOP');
      stopped = true;
      // Frozen: the blocking read ends after BLOCK + the deadline (empty), a plain command fails with the timeout.
      started = performance.now();
      const [read, get] = await Promise.allSettled([reader.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 500, 'STREAMS', 'silent-block:s', '>'), oneshot.get('silent-block:k')]);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(read).toEqual({ status: 'fulfilled', value: null });
      expect(get).toMatchObject({ status: 'rejected', reason: { message: 'Command timed out' } });
    } finally {
      if (stopped) server.process.kill('SIGCONT');
      stopped = false;
      await Promise.all([closeRedis(reader), closeRedis(oneshot)]);
    }
  });

  it('silent after connecting (CLIENT PAUSE WRITE): a verb mid-command exits 3 naming the silence', async () => {
    const admin = new Redis(url);
    try {
      await admin.call('CLIENT', 'PAUSE', '20000', 'WRITE');
      const [ingest, consume] = await Promise.all([run(['ingest', 'events.ndjson']), run(['consume', '--once'])]);
      for (const r of [ingest, consume]) {
        assertSilenceReported(r, server.port);
        // The connection and its PING went through; the write got no answer.
        expect(r.stderr).toContain(`Redis at redis://:****@127.0.0.1:${server.port} gave no answer in 1 s`);
      }
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
      admin.disconnect();
    }
  });
});
