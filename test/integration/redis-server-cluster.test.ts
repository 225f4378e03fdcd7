// startRedisCluster (src/adapters/redis-server.ts): a throwaway Redis Cluster
// of real redis-server processes on free ports. It serves every slot when it
// returns, and leaves no process and no folder behind once stopped, nor when
// its start fails halfway or is interrupted.
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { findFreePort, startRedisCluster, startRedisServer } from '../../src/adapters/redis-server.js';
import { InterruptedError, UnreachableError } from '../../src/errors.js';

/** The folder a node runs in: the argument after --dir on its command line. */
const dirOf = (child: ChildProcess) => child.spawnargs[child.spawnargs.indexOf('--dir') + 1]!;
const gone = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

describe('startRedisCluster', () => {
  it('starts three masters serving all 16384 slots; stop() ends every process and removes every folder', async () => {
    const spawned: ChildProcess[] = [];
    const cluster = await startRedisCluster({ onSpawn: (c) => spawned.push(c) });
    try {
      expect(cluster.nodes).toHaveLength(3);
      expect(cluster.url).toBe(`redis://127.0.0.1:${cluster.nodes[0]!.port}`);
      for (const node of cluster.nodes) {
        const raw = new Redis(node.port, '127.0.0.1');
        try {
          expect(await raw.call('CLUSTER', 'INFO')).toMatch(/cluster_state:ok[\s\S]*cluster_slots_ok:16384[\s\S]*cluster_known_nodes:3/);
        } finally {
          raw.disconnect();
        }
      }
      // A cluster client from the seed URL writes keys of every slot.
      const client = new Cluster([{ host: '127.0.0.1', port: cluster.nodes[0]!.port }]);
      try {
        await Promise.all(Array.from({ length: 30 }, (_, i) => client.set(`k${i}`, String(i))));
        const perMaster = await Promise.all(client.nodes('master').map((m) => m.dbsize()));
        expect(perMaster).toHaveLength(3);
        expect(perMaster.every((n) => n > 0)).toBe(true);
      } finally {
        client.disconnect();
      }
    } finally {
      await cluster.stop();
    }
    expect(spawned).toHaveLength(3);
    expect(spawned.every(gone)).toBe(true);
    expect(spawned.filter((c) => existsSync(dirOf(c)))).toEqual([]);
    await cluster.stop(); // twice is harmless
  });

  it('with replicas and a node timeout: one replica per master, the timeout set on every node', async () => {
    const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1500 });
    try {
      expect(cluster.nodes).toHaveLength(6);
      const raw = new Redis(cluster.nodes[0]!.port, '127.0.0.1');
      try {
        const nodes = String(await raw.call('CLUSTER', 'NODES'));
        expect(nodes.match(/\bmaster\b/g)).toHaveLength(3);
        expect(nodes.match(/\bslave\b/g)).toHaveLength(3);
        expect(await raw.config('GET', 'cluster-node-timeout')).toEqual(['cluster-node-timeout', '1500']);
      } finally {
        raw.disconnect();
      }
    } finally {
      await cluster.stop();
    }
  });

  it('a start that fails halfway (no redis-cli) stops the nodes it started and removes their folders', async () => {
    const spawned: ChildProcess[] = [];
    const failure = await startRedisCluster({ cliBinary: join(tmpdir(), 'no-such-redis-cli'), onSpawn: (c) => spawned.push(c) }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnreachableError);
    expect((failure as Error).message).toContain('redis-cli was not found on PATH');
    expect(spawned).toHaveLength(3);
    expect(spawned.every(gone)).toBe(true);
    expect(spawned.filter((c) => existsSync(dirOf(c)))).toEqual([]);
  });

  it('nodes that cannot start fail the whole start, with no process or folder left behind', async () => {
    const spawned: ChildProcess[] = [];
    const failure = await startRedisCluster({ args: ['--no-such-option', 'x'], onSpawn: (c) => spawned.push(c) }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnreachableError);
    expect((failure as Error).message).toMatch(/redis-server exited with code 1/);
    expect(spawned.every(gone)).toBe(true);
    expect(spawned.filter((c) => existsSync(dirOf(c)))).toEqual([]);
  });

  it('Ctrl-C (the signal) during the start: InterruptedError, nothing left behind', async () => {
    const spawned: ChildProcess[] = [];
    const controller = new AbortController();
    const starting = startRedisCluster({ signal: controller.signal, onSpawn: (c) => spawned.push(c) }).catch((e: unknown) => e);
    // Once the nodes run, `--cluster create` and the wait for cluster_state:ok take a second or more.
    while (spawned.length < 3) await new Promise((r) => setTimeout(r, 10));
    setTimeout(() => controller.abort(), 200);
    expect(await starting).toBeInstanceOf(InterruptedError);
    expect(spawned.every(gone)).toBe(true);
    expect(spawned.filter((c) => existsSync(dirOf(c)))).toEqual([]);
  });

  it('refuses fewer than three masters (redis-cli would)', async () => {
    await expect(startRedisCluster({ masters: 2 })).rejects.toThrow(/at least 3 masters/);
  });

  it("every node's cluster bus has a free port of its own, not the port + 10000 (over 65535 for a fifth of Linux's ephemeral ports)", async () => {
    const cluster = await startRedisCluster();
    try {
      for (const node of cluster.nodes) {
        const raw = new Redis(node.port, '127.0.0.1');
        try {
          const [, bus] = (await raw.config('GET', 'cluster-port')) as [string, string];
          expect(Number(bus)).toBeGreaterThan(0);
          expect(Number(bus)).toBeLessThanOrEqual(65535);
          expect(Number(bus)).not.toBe(node.port + 10000);
        } finally {
          raw.disconnect();
        }
      }
    } finally {
      await cluster.stop();
    }
  });
});

describe('startRedisServer on a port someone else takes first', () => {
  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => resolve(srv));
    });

  it('a picked port that was taken before redis-server bound it: picks again and starts', async () => {
    const squatter = await listen(0);
    const taken = (squatter.address() as { port: number }).port;
    const handed: number[] = [];
    try {
      const server = await startRedisServer({
        pickPort: async () => {
          const port = handed.length === 0 ? taken : await findFreePort();
          handed.push(port);
          return port;
        },
      });
      try {
        expect(handed[0]).toBe(taken);
        expect(server.port).not.toBe(taken);
        const raw = new Redis(server.port, '127.0.0.1');
        expect(await raw.ping()).toBe('PONG');
        raw.disconnect();
      } finally {
        await server.stop();
      }
    } finally {
      squatter.close();
    }
  });

  it('a port the caller fixed is not swapped for another: exit-3 error naming the taken address', async () => {
    const squatter = await listen(0);
    const taken = (squatter.address() as { port: number }).port;
    try {
      const failure = await startRedisServer({ port: taken }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(UnreachableError);
      expect((failure as UnreachableError).exitCode).toBe(3);
      expect((failure as Error).message).toMatch(new RegExp(`127\\.0\\.0\\.1:${taken}[\\s\\S]*Address already in use`));
    } finally {
      squatter.close();
    }
  });
});
