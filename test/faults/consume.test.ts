/**
 * The consumer under launch-day faults (issue 9), against redis-server
 * processes of the test's own: a restart without persistence, a deleted group,
 * an OOM window, a consumer paused (SIGSTOP) past --reclaim-idle while another
 * takes its work, and Redis killed under `consume --once`. Each ends with the
 * oracle: states equal a pure replay, counters exact, nothing pending, dead
 * letters only where meant.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../helpers/seed.js';
import type { Redis } from 'ioredis';
import type { EngagementEvent } from '../../src/domain/engagement/event.js';
import { generateTraffic, seededRandom } from '../../src/domain/engagement/simulate.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';
import { expectPipelineExact, startFaultServer, type FaultServer } from '../helpers/faults.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const PREFIX = 'fault:';
const keys = createKeys(PREFIX);
let dir: string;
let server: FaultServer;
let raw: Redis;
let config: string;
const running: CliProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'launchctl-faults-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function freshServer(): Promise<void> {
  server = await startFaultServer();
  raw = server.client();
  config = join(dir, `launch-${server.port}.json`);
  await writeFile(config, JSON.stringify({ redis: { url: server.url, keyPrefix: PREFIX, commandTimeoutMs: 1000 }, streams: { maxLen: 1_000_000 } }));
}

afterEach(async () => {
  for (const p of running.splice(0)) {
    p.child.kill('SIGCONT');
    p.child.kill('SIGKILL');
    await p.exited;
  }
  raw?.disconnect();
  await server?.stop();
});

const today = () => keys.engagementStream(utcDay(Date.now()));

/** Adds events to today's stream as ingest would (fields userId, eventType, payload, ts), pipelined. */
async function addEvents(events: readonly EngagementEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 5000) {
    const pipeline = raw.pipeline();
    for (const e of events.slice(i, i + 5000)) pipeline.xadd(today(), '*', 'userId', e.userId, 'eventType', e.eventType, 'payload', JSON.stringify(e.payload), 'ts', String(e.timestamp));
    await pipeline.exec();
  }
}

function traffic(seed: number, users: number, totalEvents: number): EngagementEvent[] {
  return generateTraffic({ seed, users, totalEvents, durationMs: 600_000, startMs: 1_764_500_000_000, paths: ['/', '/pricing'] });
}

async function appliedCount(): Promise<number> {
  return Number((await raw.hget(keys.convStats(), 'events').catch(() => null)) ?? 0);
}

async function waitFor(what: string, test: () => Promise<boolean>, timeoutMs: number, p?: CliProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${p ? `\nstderr:\n${p.stderr().slice(-3000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function consume(args: string[]): CliProcess {
  const p = startCli(['-c', config, 'consume', ...args]);
  running.push(p);
  return p;
}

describe('consume under faults (single Redis)', () => {
  it('Redis restarted without persistence: re-creates the group and applies new events within --block + a few seconds, one line per change', { timeout: 60_000 }, async () => {
    await freshServer();
    const p = consume(['--block', '500ms', '--consumer', 'a']);
    await addEvents(traffic(1, 5, 10));
    await waitFor('the first 10 events applied', async () => (await appliedCount()) === 10, 15_000, p);

    await server.restartWithoutPersistence();
    raw.disconnect();
    raw = server.client();
    const after = traffic(2, 7, 20);
    await addEvents(after);
    const restartedAt = Date.now();
    await waitFor('the 20 events after the restart applied', async () => (await appliedCount()) === 20, 15_000, p);
    // Within --block (0.5 s) plus a few seconds of reconnecting, not 45 s of NOGROUP retries.
    expect(Date.now() - restartedAt).toBeLessThan(10_000);
    await expectPipelineExact(raw, { prefix: PREFIX, stream: today(), events: after, context: 'after a restart without persistence' });
    const gone = p.stderr().split('\n').filter((l) => /group .* is gone/.test(l));
    expect(gone.length, p.stderr()).toBeGreaterThanOrEqual(1);
    expect(gone.length, p.stderr()).toBeLessThanOrEqual(2);
    expect(p.stderr()).not.toMatch(/batch failed/);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(130);
  });

  it('group deleted under a running consumer: re-created after the last entry it read, nothing applied twice', { timeout: 60_000 }, async () => {
    await freshServer();
    const p = consume(['--block', '500ms', '--consumer', 'a']);
    const first = traffic(3, 5, 50);
    await addEvents(first);
    await waitFor('the first 50 applied', async () => (await appliedCount()) === 50, 15_000, p);
    await raw.xgroup('DESTROY', today(), 'conversion');
    const second = traffic(4, 5, 30);
    await addEvents(second);
    await waitFor('the next 30 applied', async () => (await appliedCount()) >= 80, 15_000, p);
    await new Promise((r) => setTimeout(r, 1500));
    await expectPipelineExact(raw, { prefix: PREFIX, stream: today(), events: [...first, ...second], context: 'after XGROUP DESTROY' });
    expect(p.stderr()).toMatch(/re-created group conversion on .* from entry \d+-\d+/);
  });

  it('an OOM window: the batch is held and retried with backoff, never dead-lettered, and applied after', { timeout: 60_000 }, async () => {
    await freshServer();
    const events = traffic(5, 10, 10);
    await raw.xgroup('CREATE', today(), 'conversion', '0', 'MKSTREAM');
    await addEvents(events);
    await raw.config('SET', 'maxmemory', '1');
    // --max-deliveries 1: a single re-read of the held entries would dead-letter them.
    const p = consume(['--block', '500ms', '--consumer', 'a', '--max-deliveries', '1']);
    await p.until('the refusal reported', () => /refuses the work/.test(p.stderr()), 15_000);
    await new Promise((r) => setTimeout(r, 5000));
    expect(await appliedCount()).toBe(0);
    await raw.config('SET', 'maxmemory', '0');
    await waitFor('the 10 events applied after the window', async () => (await appliedCount()) === 10, 15_000, p);
    await expectPipelineExact(raw, { prefix: PREFIX, stream: today(), events, deadLetters: 0, context: 'after an OOM window' });
    expect(p.stderr().match(/refuses the work/g)).toHaveLength(1);
    expect(p.stderr()).toMatch(/accepts the work again after/);
  });

  it('Redis frozen (SIGSTOP) under a running consume: it says so once, and carries on by itself when Redis answers again', { timeout: 60_000 }, async () => {
    await freshServer();
    const p = consume(['--block', '500ms', '--consumer', 'a']);
    const first = traffic(7, 20, 100);
    await addEvents(first);
    await waitFor('the first 100 applied', async () => (await appliedCount()) === 100, 15_000, p);
    server.freeze();
    // Longer than the command deadline (1 s) and the blocking read's grace.
    await new Promise((r) => setTimeout(r, 4000));
    server.thaw();
    const second = traffic(8, 20, 50);
    await addEvents(second);
    await waitFor('the next 50 applied after the thaw', async () => (await appliedCount()) === 150, 20_000, p);
    await expectPipelineExact(raw, { prefix: PREFIX, stream: today(), events: [...first, ...second], context: 'after a frozen Redis' });
    expect(p.stderr()).not.toMatch(/internal error|\n {4}at /);
    expect(p.stderr().match(/refuses the work/g), p.stderr()).toHaveLength(1);
    expect(p.stderr().match(/accepts the work again/g), p.stderr()).toHaveLength(1);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(130);
  });

  it('connections reset mid-batch (a TCP proxy) under a running consume: every event applied exactly once', { timeout: 90_000 }, async () => {
    const seed = testSeed();
    const random = seededRandom(seed);
    await freshServer();
    const proxy = await startTcpProxy(server.port);
    try {
      const viaProxy = join(dir, `launch-proxy-${server.port}.json`);
      await writeFile(viaProxy, JSON.stringify({ redis: { url: proxy.url, keyPrefix: PREFIX, commandTimeoutMs: 1000 }, streams: { maxLen: 1_000_000 } }));
      const events = traffic(seed, 2000, 40_000);
      await addEvents(events);
      // --max-deliveries 1: a lost connection must not count a delivery, or entries would end in the dead letters.
      const p = startCli(['-c', viaProxy, 'consume', '--block', '200ms', '--consumer', 'a', '--batch', '200', '--max-deliveries', '1']);
      running.push(p);
      // Started (a reset before the first connection is made is "Redis down at start": exit 3).
      await waitFor('consume at work', async () => (await appliedCount()) > 0, 15_000, p);
      let resets = 0;
      // Resets land while batches are read, applied and acked: some replies are lost after Redis ran the script.
      while ((await appliedCount()) < events.length && resets < 60) {
        await new Promise((r) => setTimeout(r, 20 + Math.floor(random() * 120)));
        proxy.resetAll();
        resets++;
      }
      await waitFor('every event applied', async () => (await appliedCount()) >= events.length, 30_000, p);
      await new Promise((r) => setTimeout(r, 1000));
      expect(resets, `seed ${seed}`).toBeGreaterThan(3);
      await expectPipelineExact(raw, { prefix: PREFIX, stream: today(), events, context: `seed ${seed}, ${resets} resets` });
      expect(p.stderr(), `seed ${seed}`).not.toMatch(/internal error|\n {4}at /);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(130);
    } finally {
      await proxy.close();
    }
  });

  it('a consumer paused (SIGSTOP) past --reclaim-idle while another takes its work: exactly once', { timeout: 90_000 }, async () => {
    await freshServer();
    // One user, many small batches: the paused consumer holds batches in memory.
    const events = traffic(6, 1, 30_000);
    await addEvents(events);
    const a = consume(['--block', '500ms', '--consumer', 'a', '--batch', '50', '--reclaim-idle', '1h']);
    await waitFor('consumer a at work', async () => (await appliedCount()) >= 1000, 30_000, a);
    // Paused while it holds entries (between two batches it may hold none for a moment).
    let heldByA = 0;
    for (let tries = 0; tries < 50 && heldByA === 0; tries++) {
      a.child.kill('SIGSTOP');
      heldByA = Number(((await raw.xpending(today(), 'conversion')) as [number])[0]);
      if (heldByA === 0) {
        a.child.kill('SIGCONT');
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    expect(heldByA).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2500));
    const b = await runCli(['-c', config, '--json', 'consume', '--once', '--consumer', 'b', '--reclaim-idle', '2s', '--batch', '500'], { timeoutMs: 60_000 });
    expect(b.code, b.stderr).toBe(0);
    expect((JSON.parse(b.stdout) as { reclaimed: number }).reclaimed).toBeGreaterThan(0);
    a.child.kill('SIGCONT');
    await a.until('consumer a back at work', () => true);
    await new Promise((r) => setTimeout(r, 2000));
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(130);
    await expectPipelineExact(raw, { prefix: PREFIX, stream: today(), events, context: 'after a paused consumer resumed' });
  });

  it('Redis killed under `consume --once` at any moment: exit 3, the masked URL, no stack trace', { timeout: 90_000 }, async () => {
    const seed = testSeed();
    const random = seededRandom(seed);
    const codes: (number | null)[] = [];
    for (let round = 0; round < 4; round++) {
      await freshServer();
      await addEvents(traffic(seed + round, 2000, 40_000));
      const p = startCli(['-c', config, 'consume', '--once', '--batch', '200']);
      running.push(p);
      await waitFor('consume at work', async () => (await appliedCount()) > 0, 30_000, p);
      await new Promise((r) => setTimeout(r, Math.floor(random() * 300)));
      server.thaw();
      raw.disconnect();
      await server.stop();
      const code = await p.exited;
      codes.push(code);
      const context = `seed ${seed} round ${round}\n${p.stderr()}`;
      expect([0, 3], context).toContain(code);
      if (code === 3) expect(p.stderr(), context).toMatch(/Redis at redis:\/\/127\.0\.0\.1/);
      expect(p.stderr(), context).not.toMatch(/internal error|\n {4}at |Unhandled/);
      running.splice(0);
      server = undefined as unknown as FaultServer;
      raw = undefined as unknown as Redis;
    }
    // The kills landed in the work at least once (a run may finish first).
    expect(codes, `seed ${seed}`).toContain(3);
  });
});
