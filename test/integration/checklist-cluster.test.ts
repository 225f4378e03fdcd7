/**
 * `checklist` on a real Redis Cluster (redis-server processes started by the
 * test, cluster-node-timeout 1 s so failures are detected quickly):
 * - 3 masters without replicas: redis.cluster warns and names every master;
 *   the key slots launchctl computes are the ones CLUSTER KEYSLOT gives;
 *   redis.headroom projects each day stream onto the master of its slot (and
 *   everything onto one master under a hash-tagged prefix); then a master is
 *   killed, the cluster goes to cluster_state:fail, and the built CLI fails
 *   redis.cluster naming it and exits 3 (Redis refuses the work), no stack trace.
 * - 3 masters with a replica each: redis.cluster passes and the replicas are
 *   not counted as masters; then a master is killed, its replica takes over,
 *   and the CLI fails redis.cluster naming the failed node (exit 1).
 * - a standalone server: redis.cluster is skipped.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LaunchConfigInput } from '../../src/config/schema.js';
import { keySlot } from '../../src/domain/checklist/cluster.js';
import { launchWindowStreamKeys } from '../../src/domain/checklist/headroom.js';
import { runChecklist } from '../../src/domain/checklist/run.js';
import type { CheckResult } from '../../src/domain/checklist/types.js';
import { createKeys } from '../../src/keys.js';
import { runCli } from '../helpers/cli.js';
import { startCluster, type LocalCluster } from '../helpers/faults.js';
import { makeConfig, sharedRedisUrl } from '../helpers/redis.js';

const exec = promisify(execFile);
const T0_ISO = '2026-12-08T08:01:00Z';
const T0 = Date.parse(T0_ISO);
const AT_T_1 = T0 - 3_600_000;
const NODE_ARGS = ['--maxmemory', '48mb', '--maxmemory-policy', 'volatile-lru', '--cluster-node-timeout', '1000'];
const REDIS_CHECKS = ['redis.reachable', 'redis.cluster', 'redis.version', 'redis.maxmemory', 'redis.eviction-policy', 'redis.headroom'];

async function cli(port: number, ...args: string[]): Promise<string> {
  return (await exec('redis-cli', ['-p', String(port), ...args])).stdout;
}

/** The cluster as redis-cli shows it from one node (read independently of launchctl's parser). */
async function clusterView(port: number): Promise<{ state: string; masters: string[]; replicas: string[]; failing: string[] }> {
  const info = await cli(port, 'CLUSTER', 'INFO');
  const lines = (await cli(port, 'CLUSTER', 'NODES')).trim().split('\n').map((l) => l.split(' '));
  const addr = (l: string[]) => l[1]!.split('@')[0]!;
  return {
    state: /cluster_state:(\w+)/.exec(info)?.[1] ?? '?',
    masters: lines.filter((l) => l[2]!.includes('master') && l.length > 8).map(addr),
    replicas: lines.filter((l) => l[2]!.includes('slave')).map(addr),
    failing: lines.filter((l) => /(^|,)fail\??(,|$)/.test(l[2]!)).map(addr),
  };
}

async function waitFor(what: string, test: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Owner address of each slot range, from CLUSTER SLOTS (not CLUSTER NODES, which launchctl reads). */
async function slotRanges(port: number): Promise<{ from: number; to: number; owner: string }[]> {
  const raw = new Redis(port, '127.0.0.1');
  try {
    const reply = (await raw.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
    return reply.map(([from, to, [host, p]]) => ({ from, to, owner: `${host}:${p}` }));
  } finally {
    raw.disconnect();
  }
}

async function run(url: string, input: LaunchConfigInput, only = REDIS_CHECKS): Promise<Map<string, CheckResult>> {
  const config = makeConfig({ launch: { t0: T0_ISO }, ...input, redis: { cluster: true, ...input.redis } }, url, input.redis?.keyPrefix ?? 'cl:');
  const { report } = await runChecklist({ config, env: {}, phase: 't-1', only, nowMs: AT_T_1 });
  return new Map(report.checks.map((c) => [c.id, c]));
}

/** A cluster of 3 masters with `replicas` each, and a folder for config files, for one describe. */
function useCluster(replicas: number): { cluster: () => LocalCluster; seed: () => number; dir: () => string } {
  let cluster: LocalCluster | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    [cluster, dir] = await Promise.all([startCluster(3, replicas, NODE_ARGS), mkdtemp(join(tmpdir(), 'launchctl-cl-'))]);
  });
  afterAll(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return { cluster: () => cluster!, seed: () => cluster!.nodes[0]!.port, dir: () => dir! };
}

describe('3 masters, no replicas', () => {
  const env = useCluster(0);

  it('redis.cluster warns and names each master without a replica; every redis check sees the 3 masters', async () => {
    const view = await clusterView(env.seed());
    expect(view.masters).toHaveLength(3);
    const r = await run(env.cluster().url, {});
    expect(r.get('redis.reachable')).toMatchObject({ status: 'pass', found: expect.stringContaining('(3 masters)') as string });
    const c = r.get('redis.cluster')!;
    expect(c.status, c.found).toBe('warn');
    expect(c.found).toContain('cluster_state:ok, 16,384/16,384 slots ok, 3 masters');
    for (const m of view.masters) expect(c.found).toContain(m);
    expect(c.hint).toContain('--cluster-slave');
    expect(r.get('redis.maxmemory')?.found).toMatch(/^48\.00M \(smallest of 3 masters: 127\.0\.0\.1:\d+\) via CONFIG$/);
    expect(r.get('redis.eviction-policy')?.status).toBe('pass');
  });

  it('the key slots launchctl computes are the ones CLUSTER KEYSLOT gives', async () => {
    const keys = createKeys('cl:');
    const names = [
      ...launchWindowStreamKeys(keys, T0, AT_T_1, 30),
      keys.convState('3f1c9a52-8d1e-4a55-9c1e-1b2f6a7d9e10'),
      createKeys('{acme}:').engagementStream('2026-12-08'),
      'a{}b{c}',
      'émoji 🚀',
    ];
    for (const name of names) expect(keySlot(name), name).toBe(Number(await cli(env.seed(), 'CLUSTER', 'KEYSLOT', name)));
  });

  it('redis.headroom projects each day stream onto the master of its slot and names the fullest', async () => {
    // 3 day streams × 100,000 × ≈200 B ≈ 57 MB: more than one 48 MB master, so putting the whole
    // growth on each master would fail. Find a prefix whose 3 streams land 2 on one master, 1 on another.
    const ranges = await slotRanges(env.seed());
    expect(ranges.reduce((n, r) => n + r.to - r.from + 1, 0)).toBe(16384);
    const owner = async (key: string) => {
      const slot = Number(await cli(env.seed(), 'CLUSTER', 'KEYSLOT', key));
      return ranges.find((r) => slot >= r.from && slot <= r.to)!.owner;
    };
    let chosen: { prefix: string; fullest: string } | undefined;
    for (let i = 0; i < 50 && !chosen; i++) {
      const prefix = `hr${i}:`;
      const owners = await Promise.all(launchWindowStreamKeys(createKeys(prefix), T0, AT_T_1, 3).map(owner));
      const counts = new Map<string, number>();
      for (const o of owners) counts.set(o, (counts.get(o) ?? 0) + 1);
      const two = [...counts].find(([, n]) => n === 2);
      if (two) chosen = { prefix, fullest: two[0] };
    }
    expect(chosen, 'a prefix whose streams land 2 + 1').toBeDefined();
    const streams = { maxLen: 100_000, retentionDays: 3 };
    const r = await run(env.cluster().url, { redis: { keyPrefix: chosen!.prefix }, streams }, ['redis.headroom']);
    const h = r.get('redis.headroom')!;
    // 2 × 19 MB + used memory + a third of the state: over the 80% margin, under the limit.
    expect(h.status, h.found).toBe('warn');
    expect(h.found).toMatch(new RegExp(`^fullest master ${chosen!.fullest.replace(/\./g, '\\.')}: used [\\d.]+[KM] \\+ streams 2 of 3 day streams × 100,000 × ≈200 B \\+ state 33\\.\\d% of 10,000 users`));

    // A hash-tagged prefix puts every stream and all the state on the tag's master: over its limit.
    const tagged = await run(env.cluster().url, { redis: { keyPrefix: '{acme}:' }, streams }, ['redis.headroom']);
    const t = tagged.get('redis.headroom')!;
    expect(t.status, t.found).toBe('fail');
    expect(t.found).toContain(`fullest master ${await owner('{acme}')}: `);
    expect(t.found).toContain('streams 3 of 3 day streams');
    expect(t.found).toContain('state 10,000 users');
  });

  it('a master killed: cluster_state:fail; the CLI fails redis.cluster naming it and exits 3 (Redis partly unreachable), no stack trace', async () => {
    const victim = env.cluster().nodes[2]!;
    const address = `127.0.0.1:${victim.port}`;
    expect((await clusterView(env.seed())).masters).toContain(address);
    await victim.stop();
    await waitFor('cluster_state:fail on the seed', async () => (await clusterView(env.seed())).state === 'fail');
    const file = join(env.dir(), 'down.json');
    await writeFile(file, JSON.stringify({ launch: { t0: T0_ISO }, redis: { url: env.cluster().url, cluster: true, connectTimeoutMs: 1000, commandTimeoutMs: 1000 } }));
    const res = await runCli(['-c', file, 'checklist', 't-1', '--only', 'redis.reachable,redis.cluster', '--json']);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.code, res.stderr + res.stdout).toBe(3);
    const doc = JSON.parse(res.stdout) as { passed: boolean; checks: CheckResult[] };
    expect(doc.passed).toBe(false);
    const c = doc.checks.find((x) => x.id === 'redis.cluster')!;
    expect(c.status).toBe('fail');
    expect(c.found).toContain('cluster_state:fail');
    expect(c.found).toContain(`${address} (master, fail)`);
    // The dead master still owns its slots: redis.reachable names it too.
    const reachable = doc.checks.find((x) => x.id === 'redis.reachable')!;
    expect(reachable.status).toBe('fail');
    expect(reachable.found).toContain(`no answer from ${address}`);
  });
});

describe('3 masters with a replica each', () => {
  const env = useCluster(1);

  it('redis.cluster passes; the replicas are not counted as masters', async () => {
    const view = await clusterView(env.seed());
    expect([view.masters.length, view.replicas.length]).toEqual([3, 3]);
    const r = await run(env.cluster().url, {});
    const c = r.get('redis.cluster')!;
    expect(c.status, c.found).toBe('pass');
    expect(c.found).toBe('cluster_state:ok, 16,384/16,384 slots ok, 3 masters, each with ≥ 1 replica');
    expect(r.get('redis.reachable')?.found).toContain('(3 masters)');
    expect(r.get('redis.maxmemory')?.found).toContain('smallest of 3 masters');
    expect(r.get('redis.version')?.found).toContain('oldest of 3 masters');
    for (const replica of view.replicas) for (const id of REDIS_CHECKS) expect(r.get(id)?.found, id).not.toContain(replica);
  });

  it('a master killed and failed over: the CLI fails redis.cluster naming the failed node and exits 1', async () => {
    const before = await clusterView(env.seed());
    const victim = env.cluster().nodes.find((n) => n.port !== env.seed() && before.masters.includes(`127.0.0.1:${n.port}`))!;
    const address = `127.0.0.1:${victim.port}`;
    // A replica that never synced does not take over (its data is too old): startCluster returns before the sync.
    const replicaPorts = before.replicas.map((r) => r.split(':')[1]!);
    await waitFor('the replicas in sync', async () => (await Promise.all(replicaPorts.map((p) => cli(Number(p), 'INFO', 'replication')))).every((t) => t.includes('master_link_status:up')));
    await victim.stop();
    await waitFor('the failover', async () => {
      const v = await clusterView(env.seed());
      return v.state === 'ok' && v.failing.includes(address) && !v.masters.includes(address);
    });
    const file = join(env.dir(), 'failover.json');
    await writeFile(file, JSON.stringify({ launch: { t0: T0_ISO }, redis: { url: env.cluster().url, cluster: true } }));
    const res = await runCli(['-c', file, 'checklist', 't-1', '--only', 'redis.reachable,redis.cluster', '--json']);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.code, res.stderr).toBe(1);
    const doc = JSON.parse(res.stdout) as { checks: CheckResult[] };
    const c = doc.checks.find((x) => x.id === 'redis.cluster')!;
    expect(c.status).toBe('fail');
    expect(c.found).toMatch(new RegExp(`failing: ${address.replace(/\./g, '\\.')} \\(\\w+, fail\\)`));
    expect(doc.checks.find((x) => x.id === 'redis.reachable')).toMatchObject({ status: 'pass', found: expect.stringContaining('(3 masters)') as string });
  });
});

describe('a standalone server', () => {
  it('redis.cluster is skipped, saying why', async () => {
    const r = await run(sharedRedisUrl(), { redis: { cluster: false } }, ['redis.cluster']);
    expect(r.get('redis.cluster')).toMatchObject({ status: 'skip', found: 'standalone Redis (cluster_enabled:0)' });
  });
});
