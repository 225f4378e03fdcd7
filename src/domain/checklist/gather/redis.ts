// Redis facts: one INFO (all sections) and one CONFIG GET maxmemory* per
// master (replicas are not read: scanNodes lists masters only), and PING
// round trips sampled like `redis-cli --latency`.
import type { Redis } from 'ioredis';
import { scanNodes, unservedSlots, type RedisClient } from '../../../adapters/redis.js';
import { describeConnectError } from '../../../adapters/redis-errors.js';
import { flatToRecord, parseInfo } from '../../../adapters/redis-replies.js';
import { readOomRejections } from '../parse.js';
import type { RedisFacts, RedisNodeFacts } from '../types.js';

/** PINGs sampled for redis.latency: enough for a p99 that means something, quick on a slow link (30 × 50 ms = 1.5 s). */
export const PING_SAMPLES = 30;

function num(value: string | undefined): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

async function readNodeFacts(node: Redis): Promise<RedisNodeFacts> {
  const text = (await node.call('INFO', 'all')) as string;
  const info = parseInfo(text);
  let maxmemory = num(info.get('maxmemory'));
  let policy = info.get('maxmemory_policy') ?? 'unknown';
  let memorySource: RedisNodeFacts['memorySource'] = 'INFO';
  try {
    // Managed services (ElastiCache, Upstash) often disable CONFIG; INFO memory says the same.
    const config = flatToRecord(await node.call('CONFIG', 'GET', 'maxmemory*'));
    if (typeof config.maxmemory === 'string') {
      maxmemory = num(config.maxmemory);
      policy = typeof config['maxmemory-policy'] === 'string' ? config['maxmemory-policy'] : policy;
      memorySource = 'CONFIG';
    }
  } catch {
    // CONFIG not allowed: keep the INFO values.
  }
  const total = num(info.get('total_system_memory'));
  return {
    address: nodeAddress(node),
    version: info.get('redis_version') ?? '0.0.0',
    usedMemory: num(info.get('used_memory')),
    usedMemoryPeak: num(info.get('used_memory_peak')),
    maxmemory,
    policy,
    totalSystemMemory: total > 0 ? total : null,
    oomRejections: readOomRejections(info, /^# Errorstats/m.test(text)),
    evictedKeys: num(info.get('evicted_keys')),
    uptimeS: num(info.get('uptime_in_seconds')),
    memorySource,
  };
}

export function nodeAddress(node: Redis): string {
  return `${node.options.host ?? '?'}:${node.options.port ?? '?'}`;
}

/**
 * Reads every master; on a cluster a master that does not answer is listed in
 * `unanswered` (redis.reachable and redis.cluster report it) instead of
 * failing the facts of the masters that did. Throws when none answers.
 */
export async function readRedisFacts(client: RedisClient, maskedUrl: string, signal: AbortSignal): Promise<RedisFacts> {
  const masters = scanNodes(client);
  const settled = await Promise.allSettled(masters.map(readNodeFacts));
  const nodes: RedisNodeFacts[] = [];
  const unanswered: RedisFacts['unanswered'] = [];
  let answering: Redis | undefined;
  settled.forEach((r, i) => {
    if (r.status === 'fulfilled') {
      nodes.push(r.value);
      answering ??= masters[i];
    } else {
      unanswered.push({ address: nodeAddress(masters[i]!), cause: describeConnectError(r.reason) });
    }
  });
  if (!answering) throw (settled[0] as PromiseRejectedResult | undefined)?.reason ?? new Error('no master to read');
  // A master the client dropped (it stopped answering) still owns its slots until a replica takes them over.
  for (const [owner, count] of unservedSlots(client)) {
    unanswered.push({ address: owner, cause: owner === 'no node' ? `${count} hash slots have no master` : `no connection; its ${count} hash slots cannot be served (a failover may be under way)` });
  }
  const pingMs: number[] = [];
  // One master that answered (the cluster client would pick a random one, maybe the one that is down).
  for (let i = 0; i < PING_SAMPLES && !signal.aborted; i++) {
    const started = performance.now();
    await answering.ping();
    pingMs.push(performance.now() - started);
  }
  return { url: maskedUrl, nodes, unanswered, pingMs };
}
