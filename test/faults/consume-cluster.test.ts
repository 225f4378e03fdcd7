/**
 * The consumer on a three-master Redis Cluster, paused (SIGSTOP) past
 * --reclaim-idle while another consumer takes its entries (record mode: the
 * stream and the states live in different slots, so apply and ack cannot be one
 * step). The paused consumer's batches are fenced by the server time of their
 * read: when it resumes they are refused and dropped, and nothing is applied
 * twice. Ends with the oracle.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTraffic } from '../../src/domain/engagement/simulate.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { runCli, startCli } from '../helpers/cli.js';
import { expectPipelineExact, startCluster, type LocalCluster } from '../helpers/faults.js';

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
});
