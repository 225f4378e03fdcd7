// End to end: `launchctl rehearse --cluster` as a process (CI cleared). Every
// step passes on a throwaway three-master Redis Cluster, the report says so,
// and no redis-server of it, no listening port and no temporary folder is left
// behind: after a run, after Ctrl-C, after a second Ctrl-C, and when the
// cluster fails to start. With --redis, --cluster names a cluster seed.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster } from '../../src/adapters/redis-server.js';
import { runCli, startCli } from '../helpers/cli.js';
import { listening, portOf, redisServersOn, untilClosed } from '../helpers/ports.js';

interface RehearsalDoc {
  ok: boolean;
  environment: { redis: string; ownRedis: boolean; cluster: boolean; clusterNodes: string[] | null; site: string };
  sections: { id: string; ok: boolean; data: Record<string, unknown> }[];
  cleanup: { cleaned: string[]; failed: string[] };
}

const portsOf = (nodes: string) => nodes.split(',').map((n) => Number(n.split(':')[1]));
/** The human header: `throwaway 3-master cluster 127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3 · stand-in site http://…`. */
const HEADER = /throwaway 3-master cluster ((?:127\.0\.0\.1:\d+,){2}127\.0\.0\.1:\d+) · stand-in site (http:\/\/\S+)/;

/** Nothing of the rehearsal is left: no port of it listening, no redis-server of it running, no folder in `tmp`. */
async function expectNothingLeft(ports: number[], tmp: string): Promise<void> {
  await untilClosed(ports);
  expect(await Promise.all(ports.map(listening))).toEqual(ports.map(() => false));
  expect(await redisServersOn(ports)).toEqual([]);
  expect(await readdir(tmp)).toEqual([]);
}

describe('launchctl rehearse --cluster (built CLI)', () => {
  let tmp: string;
  beforeAll(async () => {
    // A private TMPDIR: every folder the rehearsal (and each cluster node) makes must be gone from it afterwards.
    tmp = await mkdtemp(join(tmpdir(), 'launchctl-rehearse-cluster-e2e-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('passes every step on a throwaway three-master cluster and cleans up everything', async () => {
    const r = await runCli(['rehearse', '--cluster', '--duration', '3s', '--users', '500', '--json'], { env: { TMPDIR: tmp }, timeoutMs: 60_000 });
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as RehearsalDoc;
    expect(doc.ok).toBe(true);
    expect(doc.environment).toMatchObject({ ownRedis: true, cluster: true });
    expect(doc.environment.clusterNodes).toHaveLength(3);
    expect(doc.environment.redis).toBe(`redis://${doc.environment.clusterNodes![0]}`);
    expect(doc.sections.map((s) => s.id)).toEqual(['engagement-history', 'cold-latency', 'warm', 'warm-latency', 'launch-traffic', 'product-hunt', 'metrics']);
    expect(doc.sections.filter((s) => !s.ok)).toEqual([]);
    const section = (id: string) => doc.sections.find((s) => s.id === id)!.data;
    expect(section('warm')).toMatchObject({ failed: 0 });
    const traffic = section('launch-traffic') as { events: number; consumed: number; drainedAfterMs: number | null; usersWithState: number; deadLettered: number };
    expect(traffic.consumed).toBeGreaterThanOrEqual(traffic.events);
    expect(traffic.drainedAfterMs).not.toBeNull();
    expect(traffic.deadLettered).toBe(0);
    expect(traffic.usersWithState).toBe(1000);
    expect(section('product-hunt')).toMatchObject({ racerRequests: 1 });
    // The scrape read every master of the cluster.
    const metrics = section('metrics') as { up: number; redisNodes: string[] };
    expect(metrics.up).toBe(1);
    expect(metrics.redisNodes).toEqual([...doc.environment.clusterNodes!].sort());

    expect(doc.cleanup.failed).toEqual([]);
    expect(doc.cleanup.cleaned).toContain('Redis Cluster stopped (3 redis-servers)');
    expect(await listening(portOf(doc.environment.site))).toBe(false);
    await expectNothingLeft(portsOf(doc.environment.clusterNodes!.join(',')), tmp);
  });

  it('Ctrl-C mid-rehearsal exits 130 and stops every node of the cluster and the site', async () => {
    const cli = startCli(['rehearse', '--cluster', '--users', '20000'], { TMPDIR: tmp });
    await cli.until('the header', () => HEADER.test(cli.stdout()), 30_000);
    const [, nodes, site] = HEADER.exec(cli.stdout())!;
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    expect(cli.stdout()).toMatch(/^rehearsal interrupted in /m);
    expect(cli.stdout()).toContain('Redis Cluster stopped (3 redis-servers)');
    expect(await listening(portOf(site!))).toBe(false);
    await expectNothingLeft(portsOf(nodes!), tmp);
  });

  it('a second Ctrl-C exits at once and still leaves no node or folder behind', async () => {
    const own = await mkdtemp(join(tmpdir(), 'launchctl-rehearse-cluster-e2e-force-'));
    try {
      const cli = startCli(['rehearse', '--cluster', '--users', '20000'], { TMPDIR: own });
      await cli.until('the header', () => HEADER.test(cli.stdout()), 30_000);
      const [, nodes] = HEADER.exec(cli.stdout())!;
      // Two separate signals (back to back, the OS may merge them into one).
      cli.child.kill('SIGINT');
      await new Promise((r) => setTimeout(r, 20));
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(130);
      await expectNothingLeft(portsOf(nodes!), own);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('a cluster that cannot be created (no redis-cli): exit 3 with the install hint, the started nodes stopped and their folders removed', async () => {
    const r = await runCli(['rehearse', '--cluster'], { env: { TMPDIR: tmp, REDIS_CLI_BIN: join(tmp, 'no-such-redis-cli') } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('redis-cli was not found on PATH');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('with --redis, --cluster treats the URL as a cluster seed and deletes its keys from every master after; without --cluster it refuses', async () => {
    const cluster = await startRedisCluster();
    const masters = cluster.nodes.map((n) => new Redis(n.port, '127.0.0.1'));
    try {
      const refused = await runCli(['--redis', cluster.url, 'rehearse'], { env: { TMPDIR: tmp } });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`--redis ${cluster.url} is a Redis Cluster node: add --cluster`);

      const r = await runCli(['--redis', cluster.url, 'rehearse', '--cluster', '--json', '--users', '100', '--duration', '1s'], { env: { TMPDIR: tmp }, timeoutMs: 60_000 });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as RehearsalDoc;
      expect(doc.environment).toMatchObject({ redis: cluster.url, ownRedis: false, cluster: true, clusterNodes: [] });
      expect(doc.sections.filter((s) => !s.ok)).toEqual([]);
      expect(doc.cleanup.failed).toEqual([]);
      expect(doc.cleanup.cleaned.join(' ')).toMatch(/rehearsal keys under rehearse:[0-9a-f]+:\* deleted/);
      // Nothing written by either run is left on any master; the cluster itself still runs.
      expect(await Promise.all(masters.map((m) => m.dbsize()))).toEqual([0, 0, 0]);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      for (const m of masters) m.disconnect();
      await cluster.stop();
    }
  });
});
