/**
 * The consumer on a three-master Redis Cluster, paused (SIGSTOP) past
 * --reclaim-idle while another consumer takes its entries (record mode: the
 * stream and the states live in different slots, so apply and ack cannot be one
 * step). The paused consumer's batches are fenced by the server time of their
 * read: when it resumes they are refused and dropped, and nothing is applied
 * twice. Ends with the oracle.
 *
 * And replies lost: one master (holding states only) sits behind a TCP proxy
 * (redis.natMap points the consumer at it) that drops Redis' replies for a
 * moment and then resets the connections, several times, while the consumer
 * works. Script calls that ran without the consumer hearing are retried; the
 * retry finds them applied and recovers their counter deltas from the states,
 * so the counters are exact too (no "may count up to" warning).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTraffic } from '../../src/domain/engagement/simulate.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { runCli, startCli } from '../helpers/cli.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { findXinfoGroup } from '../../src/adapters/redis-replies.js';
import { clusterNodes, expectPipelineExact, masterPortOf, pollUntil, startCluster, type LocalCluster } from '../helpers/faults.js';

const PREFIX = 'fault:';
const keys = createKeys(PREFIX);
let cluster: LocalCluster;
let raw: Cluster;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'launchctl-faults-cluster-'));
  cluster = await startCluster(3);
  raw = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0]!.port }]);
}, 60_000);

afterAll(async () => {
  raw?.disconnect();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('consume on Redis Cluster under faults', () => {
  it('a consumer paused past --reclaim-idle while another takes its work: its held batches are fenced off, exactly once', { timeout: 120_000 }, async () => {
    const config = join(dir, 'launch.json');
    await writeFile(config, JSON.stringify({ redis: { url: cluster.url, keyPrefix: PREFIX, cluster: true }, streams: { maxLen: 1_000_000 } }));
    const events = generateTraffic({ seed: 9, users: 100, totalEvents: 8_000, durationMs: 600_000, startMs: 1_764_500_000_000, paths: ['/'] });
    const stream = keys.engagementStream(utcDay(Date.now()));
    for (let i = 0; i < events.length; i += 2000) {
      const pipeline = raw.pipeline();
      for (const e of events.slice(i, i + 2000)) pipeline.xadd(stream, '*', 'userId', e.userId, 'eventType', e.eventType, 'payload', JSON.stringify(e.payload), 'ts', String(e.timestamp));
      await pipeline.exec();
    }
    const applied = async () => Number((await raw.hget(keys.convStats(), 'events')) ?? 0);
    // Every consumer of a group runs with the same --reclaim-idle (docs/consume.md): the fence relies on it.
    const a = startCli(['-c', config, 'consume', '--consumer', 'a', '--batch', '50', '--block', '200ms', '--reclaim-idle', '3s']);
    try {
      const deadline = Date.now() + 30_000;
      while ((await applied()) < 1000) {
        if (Date.now() > deadline) throw new Error(`consumer a made no progress:\n${a.stderr()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      a.child.kill('SIGSTOP');
      const [held] = (await raw.xpending(stream, 'conversion')) as [number];
      expect(Number(held)).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 3500));
      const b = await runCli(['-c', config, '--json', 'consume', '--once', '--consumer', 'b', '--reclaim-idle', '3s', '--batch', '500'], { timeoutMs: 90_000 });
      expect(b.code, b.stderr).toBe(0);
      expect((JSON.parse(b.stdout) as { reclaimed: number }).reclaimed).toBeGreaterThan(0);
      a.child.kill('SIGCONT');
      // Whatever it held when it was paused is past its fence now (the oracle below says whether it was applied).
      await new Promise((r) => setTimeout(r, 3000));
      a.child.kill('SIGTERM');
      const code = await a.exited;
      expect(code, a.stderr()).toBe(130);
    } finally {
      a.child.kill('SIGCONT');
      a.child.kill('SIGKILL');
    }
    await expectPipelineExact(raw, { prefix: PREFIX, stream, events, context: 'cluster, paused consumer' });
  });

  for (const target of ['states', 'counters'] as const) {
  it(`replies lost on a master holding ${target === 'states' ? 'states only' : 'the counters hash'} (proxied, then reset): states and counters exact`, { timeout: 120_000 }, async () => {
    const seedPort = cluster.nodes[0]!.port;
    const masters = (await clusterNodes(seedPort)).filter((n) => n.flags.includes('master')).map((n) => n.port);
    const stream = (prefix: string) => createKeys(prefix).engagementStream(utcDay(Date.now()));
    // states: the day stream and the counters share a master and another one is proxied;
    // counters: the counters' master is proxied, the day stream is on another.
    let prefix = '';
    let proxied = 0;
    for (let i = 0; !prefix; i++) {
      const p = `${target}${i}:`;
      const [a, b] = await Promise.all([masterPortOf(seedPort, stream(p)), masterPortOf(seedPort, createKeys(p).convStats())]);
      if (target === 'states' && a === b) [prefix, proxied] = [p, masters.find((m) => m !== a)!];
      if (target === 'counters' && a !== b) [prefix, proxied] = [p, b];
    }
    const proxy = await startTcpProxy(proxied);
    const seed = masters.find((p) => p !== proxied)!;
    const config = join(dir, `lost-${target}.json`);
    await writeFile(
      config,
      JSON.stringify({
        redis: { url: `redis://127.0.0.1:${seed}`, keyPrefix: prefix, cluster: true, commandTimeoutMs: 1000, natMap: { [`127.0.0.1:${proxied}`]: { host: '127.0.0.1', port: proxy.port } } },
        streams: { maxLen: 1_000_000 },
      }),
    );
    const k = createKeys(prefix);
    const day = stream(prefix);
    const events = generateTraffic({ seed: 11, users: 300, totalEvents: 12_000, durationMs: 600_000, startMs: 1_764_500_000_000, paths: ['/'] });
    const write = async (slice: typeof events) => {
      const pipeline = raw.pipeline();
      for (const e of slice) pipeline.xadd(day, '*', 'userId', e.userId, 'eventType', e.eventType, 'payload', JSON.stringify(e.payload), 'ts', String(e.timestamp));
      await pipeline.exec();
    };
    await write(events.slice(0, 2000));
    const consumer = startCli(['-c', config, 'consume', '--consumer', 'lost', '--batch', '100', '--block', '100ms']);
    try {
      const applied = async () => Number((await raw.hget(k.convStats(), 'events')) ?? 0);
      await pollUntil('the consumer to apply events', async () => (await applied()) >= 500, 30_000);
      // Four rounds: replies dropped while calls run, then every connection through the proxy reset.
      for (let round = 0; round < 4; round++) {
        await write(events.slice(2000 + round * 2500, 4500 + round * 2500));
        proxy.setMode('drop-replies');
        await new Promise((r) => setTimeout(r, 300));
        proxy.resetAll();
        proxy.setMode('forward');
        await new Promise((r) => setTimeout(r, 1500));
      }
      await pollUntil(
        'the consumer to drain the stream',
        async () => {
          const [pending] = (await raw.xpending(day, 'conversion')) as [number];
          return Number(pending) === 0 && findXinfoGroup(await raw.xinfo('GROUPS', day), 'conversion')?.lag === 0;
        },
        60_000,
      );
      consumer.child.kill('SIGTERM');
      expect(await consumer.exited, consumer.stderr()).toBe(130);
      const stderr = consumer.stderr();
      // The resets cut connections in use (the consumer came back through the proxy), and no delta went unknown.
      expect(proxy.accepted()).toBeGreaterThan(1);
      expect(stderr).not.toMatch(/may count up to/);
      expect(stderr).not.toMatch(/\n\s+at |internal error/);
      await expectPipelineExact(raw, { prefix, stream: day, events, context: `cluster, lost replies (${target})\n${stderr}` });
    } finally {
      consumer.child.kill('SIGKILL');
      await proxy.close();
    }
  });
  }
});

