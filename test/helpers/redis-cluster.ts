// A throwaway three-master Redis Cluster on free ports, for the tests that need one.
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';

/** Starts `masters` cluster-enabled servers, joins them, and waits until every node says cluster_state:ok. */
export async function startRedisCluster(masters = 3): Promise<RedisServerHandle[]> {
  const servers: RedisServerHandle[] = [];
  for (let i = 0; i < masters; i++) servers.push(await startRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'] }));
  execFileSync('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'ignore' });
  // Every node must see the cluster as ok, or a client's first commands fail.
  for (const server of servers) {
    const probe = new Redis(server.url);
    for (let i = 0; i < 100 && !/cluster_state:ok/.test(String(await probe.call('CLUSTER', 'INFO'))); i++) await new Promise((r) => setTimeout(r, 100));
    probe.disconnect();
  }
  return servers;
}
