// Cluster facts: INFO cluster (is cluster mode on?), then CLUSTER INFO and
// CLUSTER NODES from one node. Every master is asked at once and the first
// answer is kept, so a master that is down or silent does not hide the view
// of the others (each command has the client's redis.commandTimeoutMs).
import type { Redis } from 'ioredis';
import { scanNodes, type RedisClient } from '../../../adapters/redis.js';
import { parseInfo } from '../../../adapters/redis-replies.js';
import { parseClusterNodes } from '../cluster.js';
import type { ClusterFacts } from '../types.js';
import { nodeAddress } from './redis.js';

function count(info: ReadonlyMap<string, string>, name: string): number {
  const n = Number(info.get(name));
  return Number.isFinite(n) ? n : 0;
}

async function readClusterView(node: Redis, configured: boolean): Promise<ClusterFacts> {
  const mode = parseInfo((await node.call('INFO', 'cluster')) as string);
  if (mode.get('cluster_enabled') !== '1') return { enabled: false };
  const [infoText, nodesText] = (await Promise.all([node.call('CLUSTER', 'INFO'), node.call('CLUSTER', 'NODES')])) as [string, string];
  const info = parseInfo(infoText);
  return {
    enabled: true,
    configured,
    seenFrom: nodeAddress(node),
    state: info.get('cluster_state') ?? 'unknown',
    slotsAssigned: count(info, 'cluster_slots_assigned'),
    slotsOk: count(info, 'cluster_slots_ok'),
    slotsPfail: count(info, 'cluster_slots_pfail'),
    slotsFail: count(info, 'cluster_slots_fail'),
    nodes: parseClusterNodes(nodesText),
  };
}

/** `configured`: redis.cluster from the config (a cluster reached with a plain client is a finding). */
export async function readClusterFacts(client: RedisClient, configured: boolean): Promise<ClusterFacts> {
  try {
    return await Promise.any(scanNodes(client).map((node) => readClusterView(node, configured)));
  } catch (err) {
    // Every node failed: report the first cause rather than "All promises were rejected".
    throw err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : err;
  }
}
