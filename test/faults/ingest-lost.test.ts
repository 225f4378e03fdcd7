/**
 * `launchctl ingest` when Redis goes away and stays away:
 * - a server that stops answering (a proxy that first loses the reply of an
 *   executed transaction, then black-holes everything): exit 3 within the
 *   reply timeout plus the reconnect window, naming the resume line; once it is
 *   back, `--from-line N` finishes the job and every line is in exactly once
 *   across both runs (the uncertain transaction is not written twice);
 * - redis-server killed at random moments (seeded): always exit 3 with a
 *   one-line reason, never a stack trace;
 * - redis-server restarted without persistence mid-run (the lines it had
 *   acknowledged are gone with it): ingest does not carry on over the gap; it
 *   stops with exit 3 naming the lost lines, and the resume line it prints
 *   completes the input exactly once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../helpers/seed.js';
import { startRedisServer } from '../../src/adapters/redis-server.js';
import { startFaultServer } from '../helpers/faults.js';
import { runCli, startCli } from '../helpers/cli.js';
import { useTestRedis } from '../helpers/redis.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { countMarkers, expectExactlyOnce, markedLine, seededRandom, sleep, todayStream, writeCliConfig, writeMarkedFile } from './ingest-helpers.js';

const redis = useTestRedis();
const LINES = 30_000;
let dir: string;
let file: string;
let proxy: TcpProxy | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'launchctl-faults-lost-'));
  file = await writeMarkedFile(dir, 'lost.ndjson', LINES);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

describe('ingest when Redis stops answering', () => {
  it('exits 3 naming the resume line; --from-line then writes every line exactly once', async () => {
    proxy = await startTcpProxy(Number(new URL(redis.url()).port));
    const config = await writeCliConfig(dir, proxy.url, redis.prefix());
    const stream = todayStream(redis.prefix());
    const cli = startCli(['-c', config, 'ingest', file]);
    for (let i = 0; i < 400 && (await redis.client().xlen(stream)) < 5000; i++) await sleep(10);
    // The transaction in flight is executed, its reply lost; then nothing passes.
    proxy.setMode('drop-replies');
    await sleep(200);
    proxy.setMode('blackhole');
    const started = Date.now();
    expect(await cli.exited, cli.stderr()).toBe(3);
    // connectTimeoutMs 500: a reply timeout of 2.5 s, then 5 s of reconnecting.
    expect(Date.now() - started).toBeLessThan(15_000);
    const stderr = cli.stderr();
    expect(stderr).toMatch(/(lost the connection to Redis|Redis) at redis:\/\/127\.0\.0\.1:\d+ (\((ETIMEDOUT|Connection is closed\.?|Command timed out)\)|gave no answer)/);
    expect(stderr).not.toMatch(/\n\s+at /);
    const resume = /resume with: launchctl ingest (\S+) --from-line (\d+)/.exec(stderr);
    expect(resume, stderr).not.toBeNull();
    expect(resume![1]).toBe(file);
    const fromLine = Number(resume![2]);
    expect(fromLine).toBeGreaterThan(1);
    // Every line before fromLine is in the stream already.
    const before = await countMarkers(redis.client(), stream);
    for (let line = 1; line < fromLine; line++) expect(before.get(line), `line ${line}`).toBe(1);

    proxy.setMode('forward');
    const again = await runCli(['-c', config, '--json', 'ingest', file, '--from-line', String(fromLine)]);
    expect(again.code, again.stderr).toBe(0);
    // The lost reply belonged to a transaction Redis executed: the second run knew and skipped it.
    expect(again.stderr).toMatch(/continuing run \w+ of this input: lines up to \d+ were already written by it/);
    expectExactlyOnce(await countMarkers(redis.client(), stream), LINES, `resumed from line ${fromLine}\n${again.stderr}`);
  }, 30_000);
});

describe('ingest when redis-server is killed', () => {
  it('always exits 3 with a reason and no stack trace, wherever the kill lands', async () => {
    const seed = testSeed(1_000_000);
    const random = seededRandom(seed);
    // Early enough to land in the work on a quiet machine too (30,000 events take well under a second there).
    const delays = [0, 1, 2, 3].map((i) => Math.round(i * 80 + random() * 200));
    const results = await Promise.all(
      delays.map(async (delayMs) => {
        const server = await startRedisServer();
        try {
          const cli = startCli(['-c', await writeCliConfig(dir, server.url, redis.prefix()), 'ingest', file]);
          await sleep(delayMs);
          server.process.kill('SIGKILL');
          return { delayMs, code: await cli.exited, stderr: cli.stderr() };
        } finally {
          await server.stop();
        }
      }),
    );
    // A run may finish before its kill lands (exit 0); at least one kill must land in the work.
    expect(results.some((r) => r.code === 3), `seed ${seed}: ${results.map((r) => `${r.delayMs} ms → ${r.code}`).join(', ')}`).toBe(true);
    for (const r of results.filter((x) => x.code !== 0)) {
      const context = `seed ${seed}, killed after ${r.delayMs} ms\n${r.stderr}`;
      expect(r.code, context).toBe(3);
      expect(r.stderr, context).toMatch(/^launchctl: (cannot reach Redis|lost the connection to Redis) at redis:\/\/127\.0\.0\.1:\d+/m);
      expect(r.stderr, context).not.toMatch(/\n\s+at |internal error/);
    }
  }, 40_000);
});

describe('ingest when redis-server restarts without persistence mid-run', () => {
  it('stops with exit 3 naming the lines Redis lost; the printed resume completes the input exactly once', async () => {
    const server = await startFaultServer();
    try {
      const prefix = redis.prefix();
      const config = await writeCliConfig(dir, server.url, prefix);
      const stream = todayStream(prefix);
      const lines = Array.from({ length: 5000 }, (_, i) => markedLine(i + 1));
      const cli = startCli(['-c', config, 'ingest', '-']);
      cli.child.stdin.on('error', () => undefined);
      // Three chunks of 1,000 in Redis, then a restart that loses them, then the rest of the input.
      cli.child.stdin.write(lines.slice(0, 3000).join('\n') + '\n');
      const probe = server.client();
      try {
        for (let i = 0; i < 500 && (await probe.xlen(stream)) < 3000; i++) await sleep(10);
        expect(await probe.xlen(stream)).toBe(3000);
      } finally {
        probe.disconnect();
      }
      await server.restartWithoutPersistence();
      cli.child.stdin.end(lines.slice(3000).join('\n') + '\n');
      const code = await cli.exited;
      const stderr = cli.stderr();
      expect(code, stderr).toBe(3);
      expect(stderr).toMatch(/Redis lost lines 1-3000 it had acknowledged in \S+ \(restarted without persistence, or failed over/);
      expect(stderr).toMatch(/no line is certainly in the stream yet; resume with: launchctl ingest - --from-line 1\b/);
      expect(stderr).not.toMatch(/\n\s+at |internal error/);

      const again = await runCli(['-c', config, 'ingest', '-', '--from-line', '1'], { input: lines.join('\n') + '\n' });
      expect(again.code, again.stderr).toBe(0);
      const client = server.client();
      try {
        expectExactlyOnce(await countMarkers(client, stream), lines.length, `after the resume\n${stderr}\n${again.stderr}`);
      } finally {
        client.disconnect();
      }
    } finally {
      await server.stop();
    }
  }, 40_000);
});
