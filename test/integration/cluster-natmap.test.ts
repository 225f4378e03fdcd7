// redis.natMap: a cluster whose nodes announce addresses this machine cannot
// reach (as behind NAT or in Docker) is usable once each announced address is
// mapped to one it can reach. Each node announces a port where nothing listens
// (cluster-announce-port; the cluster bus keeps its own port, so the cluster
// stays whole), as a Docker node announces its container port.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, startRedisCluster, type RedisClusterHandle } from '../../src/adapters/redis-server.js';
import { runCli } from '../helpers/cli.js';
import { nodeCommand, pollUntil } from '../helpers/faults.js';

describe('redis.natMap', () => {
  let cluster: RedisClusterHandle;
  let dir: string;
  /** announced port → real port */
  const announced = new Map<number, number>();
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
    dir = await mkdtemp(join(tmpdir(), 'launchctl-natmap-'));
    for (const n of cluster.nodes) {
      const dead = await findFreePort();
      announced.set(dead, n.port);
      await nodeCommand(n.port, 'CONFIG', 'SET', 'cluster-announce-port', dead);
    }
    await pollUntil('every node announced on its unreachable port', async () => {
      const slots = (await nodeCommand(cluster.nodes[0]!.port, 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      return slots.length === 3 && slots.every((s) => announced.has(Number(s[2][1])));
    });
  });
  afterAll(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const configWith = async (natMap: Record<string, { host: string; port: number }>) => {
    const file = join(dir, `launch-${Object.keys(natMap).length}.json`);
    await writeFile(file, JSON.stringify({ redis: { url: cluster.url, cluster: true, keyPrefix: 'nat:', connectTimeoutMs: 1500, commandTimeoutMs: 1500, natMap } }));
    return file;
  };

  it('without natMap the announced addresses cannot be reached: exit 3, no stack trace', async () => {
    const r = await runCli(['-c', await configWith({}), 'state', '--summary'], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).not.toMatch(/internal error|\n {4}at /);
  });

  it('with natMap every master is reached: state --summary --deep scans all three, watch reads INFO from each', async () => {
    const natMap = Object.fromEntries([...announced].map(([dead, real]) => [`127.0.0.1:${dead}`, { host: '127.0.0.1', port: real }]));
    const file = await configWith(natMap);
    const r = await runCli(['-c', file, '--json', 'state', '--summary', '--deep'], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: 'deep', total: 0, corrupt: 0 });
    const w = await runCli(['-c', file, '--json', 'watch', '--once'], { timeoutMs: 30_000 });
    expect(w.code, w.stderr).toBe(0);
    const doc = JSON.parse(w.stdout) as { redis: { connected: boolean; nodes: number; masters: { node: string }[] } };
    expect(doc.redis.connected).toBe(true);
    expect(doc.redis.nodes).toBe(3);
  });
});
