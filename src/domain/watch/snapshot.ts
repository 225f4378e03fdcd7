// What one refresh of `launchctl watch` knows: the snapshot types, and the pure
// reading of the parsed Redis replies (INFO, PTTL) into them; the replies
// themselves are parsed by adapters/redis-replies.ts.
// The collector (collect.ts) does the I/O; renderers and rates read only these.
import { infoSubField, type XinfoGroup } from '../../adapters/redis-replies.js';
import type { Phase } from '../launch/phase.js';
import type { PhRateLimit } from '../ph/types.js';
import type { CountersSummary } from '../state/summary.js';

export interface LaunchInfo {
  name: string;
  /** launch.t0 in epoch ms, or null when the config has no t0. */
  t0: number | null;
  /** now - t0 (negative before the launch), or null without t0. */
  offsetMs: number | null;
  phase: Phase | null;
}

export interface RedisStats {
  version: string;
  uptimeS: number;
  /** Masters the numbers were summed over (1 for a standalone server). */
  nodes: number;
  usedMemoryBytes: number;
  /** 0 means no limit (the INFO convention). */
  maxmemoryBytes: number;
  maxmemoryPolicy: string;
  connectedClients: number;
  blockedClients: number;
  totalCommands: number;
  /** Redis' own instantaneous estimate, used until two snapshots give a real rate. */
  instantaneousOpsPerSec: number;
  keyspaceHits: number;
  keyspaceMisses: number;
  evictedKeys: number;
  expiredKeys: number;
  /** Commands rejected with an OOM error since the server started (errorstats, Redis 6.2+); null when unknown. */
  oomRejections: number | null;
  /** Sum of dbN:keys. */
  keys: number;
  pingMs: number;
  /**
   * On a cluster, each master's own figures (empty for a standalone server):
   * memory is per master (one full master refuses writes while the sum looks
   * fine), so the dashboard shows the fullest one.
   */
  masters: MasterStats[];
}

export interface MasterStats {
  /** `host:port`. */
  node: string;
  usedMemoryBytes: number;
  /** 0 means no limit. */
  maxmemoryBytes: number;
  instantaneousOpsPerSec: number;
  keys: number;
}

/** The master closest to its maxmemory (by used/max; by used bytes when none has a limit), or null for a standalone server. */
export function fullestMaster(redis: RedisStats): MasterStats | null {
  const ratio = (m: MasterStats) => (m.maxmemoryBytes > 0 ? m.usedMemoryBytes / m.maxmemoryBytes : 0);
  return [...redis.masters].sort((a, b) => ratio(b) - ratio(a) || b.usedMemoryBytes - a.usedMemoryBytes)[0] ?? null;
}

/** The consumer group as XINFO GROUPS describes it. */
export type GroupStats = XinfoGroup;

export interface StreamStats {
  /** Today's day stream key (UTC day). */
  key: string;
  day: string;
  /** False until the first event of the day is ingested. */
  exists: boolean;
  length: number;
  /** Entries ever added (XINFO STREAM entries-added, Redis 7+): monotonic even when trimmed. */
  entriesAdded: number | null;
  /** The consumer group (streams.group), or null when it does not exist yet. */
  group: GroupStats | null;
  deadLetters: number;
}

/** The conversion counters (conv:stats), as the state helper parses them. */
export type ConversionStats = CountersSummary;

export interface WarmPathStats {
  path: string;
  /** Milliseconds left on the marker; null when the marker is missing; -1 when it has no expiry. */
  ttlMs: number | null;
}

export interface WarmStats {
  paths: WarmPathStats[];
  alive: number;
  total: number;
  /** The alive marker that expires first. */
  soonest: { path: string; ttlMs: number } | null;
}

export interface PhPanel {
  /** ok: numbers shown; unavailable: nothing cached yet or the service is missing; error: the last refresh failed. */
  state: 'ok' | 'unavailable' | 'error';
  post: string;
  /** Why the panel is not ok, or a note (stale answer). Never holds a secret. */
  message: string | null;
  name: string | null;
  votesCount: number | null;
  commentsCount: number | null;
  rank: number | null;
  votesLastHour: number | null;
  fetchedAt: number | null;
  stale: boolean;
  rateLimit: PhRateLimit | null;
  /** Votes over the last hour, oldest first, for the sparkline. */
  votesHistory: number[];
}

export interface ConnectionState {
  state: 'connected' | 'reconnecting';
  /** Masked URL. */
  url: string;
  /** Cause of the outage (ECONNREFUSED, timeout...). */
  error: string | null;
  /** When the outage started (epoch ms). */
  since: number | null;
}

export interface WatchSnapshot {
  ts: number;
  launch: LaunchInfo;
  connection: ConnectionState;
  /** The panels below are null while Redis is unreachable. */
  redis: RedisStats | null;
  streams: StreamStats | null;
  conversion: ConversionStats | null;
  warm: WarmStats | null;
  /** Null when productHunt is not configured. */
  productHunt: PhPanel | null;
  /** Reply errors of single commands (e.g. NOPERM), shown in the footer. */
  notes: string[];
  /** What `launchctl metrics` reads on top (collector option `extended`); null for the dashboard and while Redis is away. */
  extended: ExtendedStats | null;
}

/** One node's INFO, with its per-command calls and per-code error replies. */
export interface NodeStats {
  /** `host:port` of a cluster master; null for a standalone server. */
  node: string | null;
  stats: RedisStats;
  commands: Record<string, number>;
  errors: Record<string, number>;
}

export interface ExtendedGroup extends XinfoGroup {
  /** Age of the oldest pending entry (ms): 0 with none pending, null when XPENDING did not answer. */
  oldestPendingAgeMs: number | null;
}

export interface ExtendedStream {
  key: string;
  length: number;
  groups: ExtendedGroup[];
}

export interface ExtendedStats {
  nodes: NodeStats[];
  /** Today's and yesterday's day streams, those that exist. */
  streams: ExtendedStream[];
  /** The last `warm` run as it recorded itself (keys.warmLastRun), or null. */
  warmLastRun: { finishedAt: number; total: number; warmed: number; skipped: number; failed: number; successRate: number } | null;
}

function num(fields: Map<string, string>, name: string): number {
  const v = Number(fields.get(name));
  return Number.isFinite(v) ? v : 0;
}

/** The RedisStats of one server's INFO reply. */
export function readRedisStats(fields: Map<string, string>, pingMs: number): RedisStats {
  let keys = 0;
  for (const [name, raw] of fields) if (/^db\d+$/.test(name)) keys += infoSubField(raw, 'keys') ?? 0;
  // errorstats exists from Redis 6.2; without it OOM rejections are unknown, not zero.
  const hasErrorstats = fields.has('total_error_replies');
  return {
    version: fields.get('redis_version') ?? '?',
    uptimeS: num(fields, 'uptime_in_seconds'),
    nodes: 1,
    usedMemoryBytes: num(fields, 'used_memory'),
    maxmemoryBytes: num(fields, 'maxmemory'),
    maxmemoryPolicy: fields.get('maxmemory_policy') ?? '?',
    connectedClients: num(fields, 'connected_clients'),
    blockedClients: num(fields, 'blocked_clients'),
    totalCommands: num(fields, 'total_commands_processed'),
    instantaneousOpsPerSec: num(fields, 'instantaneous_ops_per_sec'),
    keyspaceHits: num(fields, 'keyspace_hits'),
    keyspaceMisses: num(fields, 'keyspace_misses'),
    evictedKeys: num(fields, 'evicted_keys'),
    expiredKeys: num(fields, 'expired_keys'),
    oomRejections: hasErrorstats ? (infoSubField(fields.get('errorstat_OOM'), 'count') ?? 0) : null,
    keys,
    pingMs,
    masters: [],
  };
}

/** Sums the stats of every master of a cluster (memory, clients, ops, keys); the slowest PING. */
export function mergeRedisStats(all: readonly RedisStats[]): RedisStats {
  const [first, ...rest] = all;
  if (!first) throw new Error('mergeRedisStats: no stats');
  const sum = (f: (s: RedisStats) => number) => all.reduce((acc, s) => acc + f(s), 0);
  return {
    ...first,
    nodes: all.length,
    uptimeS: Math.min(...all.map((s) => s.uptimeS)),
    usedMemoryBytes: sum((s) => s.usedMemoryBytes),
    maxmemoryBytes: all.some((s) => s.maxmemoryBytes === 0) ? 0 : sum((s) => s.maxmemoryBytes),
    connectedClients: sum((s) => s.connectedClients),
    blockedClients: sum((s) => s.blockedClients),
    totalCommands: sum((s) => s.totalCommands),
    instantaneousOpsPerSec: sum((s) => s.instantaneousOpsPerSec),
    keyspaceHits: sum((s) => s.keyspaceHits),
    keyspaceMisses: sum((s) => s.keyspaceMisses),
    evictedKeys: sum((s) => s.evictedKeys),
    expiredKeys: sum((s) => s.expiredKeys),
    oomRejections: rest.every((s) => s.oomRejections !== null) && first.oomRejections !== null ? sum((s) => s.oomRejections ?? 0) : null,
    keys: sum((s) => s.keys),
    pingMs: Math.max(...all.map((s) => s.pingMs)),
  };
}

/** PTTL replies (-2 missing, -1 no expiry, else ms) → WarmStats. */
export function readWarmStats(paths: readonly string[], pttls: readonly (number | null)[]): WarmStats {
  const stats: WarmPathStats[] = paths.map((path, i) => {
    const pttl = pttls[i];
    return { path, ttlMs: pttl === null || pttl === undefined || pttl === -2 ? null : pttl };
  });
  let soonest: WarmStats['soonest'] = null;
  for (const p of stats) {
    if (p.ttlMs !== null && p.ttlMs >= 0 && (soonest === null || p.ttlMs < soonest.ttlMs)) soonest = { path: p.path, ttlMs: p.ttlMs };
  }
  return { paths: stats, alive: stats.filter((p) => p.ttlMs !== null).length, total: stats.length, soonest };
}
