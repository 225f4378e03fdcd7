// The collector of `launchctl watch`: one refresh = one PING (latency, and a
// cheap liveness check) then ONE pipelined round trip:
//   INFO, XINFO STREAM <today>, XINFO GROUPS <today>, XLEN <dead letters>,
//   HGETALL <conv:stats> (parsed by the state helper's parseConvStats), and one PTTL per launch path (warm.paths).
// That is 6 + paths commands, whatever the number of users or keys: no SCAN,
// no KEYS, counters and INFO only (docs/watch.md). On a cluster INFO and PING go
// to every master and sendCommands routes each keyed command to its node (a
// pipeline cannot span slots); the count per master stays bounded the same way.
import type { LaunchConfig } from '../../config/schema.js';
import { scanNodes, type RedisClient } from '../../adapters/redis.js';
import { describeConnectError, isClusterClient, isCommandTimeout, isConnectionError } from '../../adapters/redis-errors.js';
import { findXinfoGroup, flatToRecord, parseInfo, parseXinfoGroups, parseXinfoStream } from '../../adapters/redis-replies.js';
import { lostConnection, sendCommands, type CommandReply, type RedisCommand } from '../../adapters/redis-commands.js';
import { errorCode } from '../../errors.js';
import { utcDay, type Keys } from '../../keys.js';
import { DAY_MS } from '../../util/duration.js';
import { parseCommandStats, parseErrorStats } from '../metrics/info.js';
import { parseConvStats } from '../state/summary.js';
import { readLaunchInfo } from './clock.js';
import type { PhPanelSource } from './ph-panel.js';
import {
  mergeRedisStats,
  readRedisStats,
  readWarmStats,
  type ConnectionState,
  type ExtendedStats,
  type ExtendedStream,
  type RedisStats,
  type StreamStats,
  type WatchSnapshot,
} from './snapshot.js';

export interface WatchSources {
  client: RedisClient;
  config: LaunchConfig;
  keys: Keys;
  /** The Redis URL with its password masked (shown in the footer and in --json). */
  url: string;
  /** The Product Hunt panel; null when productHunt is not configured. */
  ph?: PhPanelSource | null;
  now?: () => number;
  /** A refresh that takes longer counts as an outage and forces a reconnect. */
  timeoutMs?: number;
  /** The client's latest `error` event: names the cause (ECONNREFUSED) when a command only says "not writeable". */
  lastClientError?: () => unknown;
  /**
   * Also read what `launchctl metrics` exports beyond the dashboard (still no
   * SCAN): `INFO all` (commandstats, errorstats) per node, yesterday's day
   * stream and every group of both, the oldest pending entry of each group
   * (one XPENDING summary each, a second round trip), the last warm run.
   */
  extended?: boolean;
}

export const DEFAULT_REFRESH_TIMEOUT_MS = 5000;

/** The Redis commands one refresh sends to a standalone server (docs/watch.md). */
export function commandsPerRefresh(config: LaunchConfig): number {
  return 6 + config.warm.paths.length;
}

type Reply = CommandReply;

interface RawReplies {
  pingMs: number[];
  infos: string[];
  /** `host:port` per INFO on a cluster; null for a standalone server. */
  nodes: (string | null)[];
  streamInfo: Reply;
  groups: Reply;
  deadLen: Reply;
  counters: Reply;
  pttls: Reply[];
  extended: RawExtended | null;
  extendedYesterdayKey: string;
}

interface RawExtended {
  yesterdayInfo: Reply;
  yesterdayGroups: Reply;
  lastRun: Reply;
  /** XPENDING <stream> <group> per group of both streams. */
  pending: { stream: string; group: string; reply: Reply }[];
}

export interface WatchCollector {
  collect(): Promise<WatchSnapshot>;
}

/** What a collector remembers between refreshes. */
export interface CollectorState {
  /** When the current outage began, so the view can say "reconnecting for 12s". */
  outageSince: number | null;
  /** Since when the client has been connected but not ready (handshake unanswered). */
  handshakeSince: number | null;
}

export function createWatchCollector(sources: WatchSources): WatchCollector {
  const state: CollectorState = { outageSince: null, handshakeSince: null };
  return { collect: () => collectSnapshot(sources, state) };
}

/**
 * One refresh. Never throws for a Redis outage: the snapshot says
 * "reconnecting" and carries the cause; the patient client reconnects by itself.
 */
export async function collectSnapshot(sources: WatchSources, state: CollectorState = { outageSince: null, handshakeSince: null }): Promise<WatchSnapshot> {
  const now = sources.now ?? Date.now;
  const ts = now();
  const { config, keys } = sources;
  const day = utcDay(ts);
  const launch = readLaunchInfo(config.launch.name, config.launch.t0, ts);
  const phPromise = sources.ph ? sources.ph.read(ts) : Promise.resolve(null);

  const timeoutMs = sources.timeoutMs ?? DEFAULT_REFRESH_TIMEOUT_MS;
  let raw: RawReplies;
  try {
    raw = await withTimeout(readRaw(sources, keys.engagementStream(day), keys.engagementStream(utcDay(ts - DAY_MS))), timeoutMs);
    state.outageSince = null;
    state.handshakeSince = null;
  } catch (err) {
    if (err instanceof RefreshTimeout || isCommandTimeout(err)) {
      // A half-open connection (network dropped, no RST) or a frozen server would
      // hang every later command; dropping it makes the patient client reconnect.
      sources.client.disconnect(true);
    } else if (!isConnectionError(err)) {
      throw err;
    } else if (sources.client.status === 'connect') {
      // Connected but never ready: the handshake (ready check) went into a
      // network that swallows packets, and ioredis has no timeout for it.
      state.handshakeSince ??= ts;
      if (ts - state.handshakeSince >= timeoutMs) {
        state.handshakeSince = null;
        sources.client.disconnect(true);
      }
    } else {
      state.handshakeSince = null;
    }
    state.outageSince ??= ts;
    const connection: ConnectionState = {
      state: 'reconnecting',
      url: sources.url,
      error: err instanceof RefreshTimeout ? `no answer within ${err.ms} ms` : isCommandTimeout(err) ? `no answer within ${sources.config.redis.commandTimeoutMs} ms` : describeOutage(err, sources.lastClientError?.()),
      since: state.outageSince,
    };
    return { ts, launch, connection, redis: null, streams: null, conversion: null, warm: null, productHunt: await phPromise, notes: [], extended: null };
  }

  const notes: string[] = [];
  const value = (reply: Reply, what: string): unknown => {
    if (reply[0]) {
      if (!/no such key/i.test(reply[0].message)) notes.push(`${what}: ${reply[0].message.split('\n')[0]!.slice(0, 80)}`);
      return null;
    }
    return reply[1];
  };

  const perNode = raw.infos.map((text, i) => readRedisStats(parseInfo(text), raw.pingMs[i] ?? 0));
  const redis: RedisStats = mergeRedisStats(perNode);
  if (raw.nodes[0] !== null) {
    redis.masters = perNode.map((n, i) => ({ node: raw.nodes[i] ?? '?', usedMemoryBytes: n.usedMemoryBytes, maxmemoryBytes: n.maxmemoryBytes, instantaneousOpsPerSec: n.instantaneousOpsPerSec, keys: n.keys }));
  }
  const streamInfo = parseXinfoStream(value(raw.streamInfo, 'XINFO STREAM'));
  const exists = raw.streamInfo[0] === null;
  const streams: StreamStats = {
    key: keys.engagementStream(day),
    day,
    exists,
    length: streamInfo.length,
    entriesAdded: exists ? streamInfo.entriesAdded : 0,
    group: findXinfoGroup(value(raw.groups, 'XINFO GROUPS'), config.streams.group),
    deadLetters: Number(value(raw.deadLen, 'XLEN')) || 0,
  };
  const hash = value(raw.counters, 'HGETALL');
  const conversion = parseConvStats(Array.isArray(hash) ? (flatToRecord(hash) as Record<string, string>) : {});
  const pttls = raw.pttls.map((r) => {
    const v = value(r, 'PTTL');
    return typeof v === 'number' ? v : null;
  });
  const warm = readWarmStats(
    config.warm.paths.map((p) => p.path),
    pttls,
  );
  return {
    ts,
    launch,
    connection: { state: 'connected', url: sources.url, error: null, since: null },
    redis,
    streams,
    conversion,
    warm,
    productHunt: await phPromise,
    notes,
    extended: raw.extended ? readExtended(raw, ts, keys.engagementStream(day), value) : null,
  };
}

function readExtended(raw: RawReplies, nowMs: number, todayKey: string, value: (reply: Reply, what: string) => unknown): ExtendedStats {
  const ext = raw.extended!;
  const nodes = raw.infos.map((text, i) => {
    const info = parseInfo(text);
    return { node: raw.nodes[i] ?? null, stats: readRedisStats(info, raw.pingMs[i] ?? 0), commands: parseCommandStats(text), errors: parseErrorStats(text) };
  });
  const oldest = new Map(ext.pending.map((p) => [`${p.stream}\0${p.group}`, value(p.reply, 'XPENDING')]));
  const stream = (key: string, info: Reply, groups: Reply): ExtendedStream | null => {
    if (info[0]) return null;
    return {
      key,
      length: parseXinfoStream(info[1]).length,
      groups: parseXinfoGroups(value(groups, 'XINFO GROUPS')).map((g) => {
        const summary = oldest.get(`${key}\0${g.name}`);
        const minId = Array.isArray(summary) && typeof summary[1] === 'string' ? summary[1] : null;
        return { ...g, oldestPendingAgeMs: g.pending === 0 ? 0 : minId ? Math.max(0, nowMs - Number(minId.split('-')[0])) : null };
      }),
    };
  };
  const yesterdayKey = raw.extendedYesterdayKey;
  const streams = [stream(todayKey, raw.streamInfo, raw.groups), stream(yesterdayKey, ext.yesterdayInfo, ext.yesterdayGroups)].filter((x): x is ExtendedStream => x !== null);
  const lastRun = value(ext.lastRun, 'HGETALL');
  const run = Array.isArray(lastRun) && lastRun.length > 0 ? (flatToRecord(lastRun) as Record<string, string>) : null;
  return {
    nodes,
    streams,
    warmLastRun: run
      ? { finishedAt: Number(run.finishedAt), total: Number(run.total), warmed: Number(run.warmed), skipped: Number(run.skipped), failed: Number(run.failed), successRate: Number(run.successRate) }
      : null,
  };
}

async function readRaw(sources: WatchSources, streamKey: string, yesterdayKey: string): Promise<RawReplies> {
  const { client, config, keys } = sources;
  // INFO and PING describe one server: on a cluster, every master answers its own.
  const nodes = isClusterClient(client) ? scanNodes(client) : null;
  const info: RedisCommand = sources.extended ? ['INFO', 'all'] : ['INFO'];
  const keyed: RedisCommand[] = [
    ['XINFO', 'STREAM', streamKey],
    ['XINFO', 'GROUPS', streamKey],
    ['XLEN', keys.deadLetters()],
    ['HGETALL', keys.convStats()],
    ...config.warm.paths.map((p) => ['PTTL', keys.warmMarker(p.path)]),
  ];
  const extra: RedisCommand[] = sources.extended
    ? [
        ['XINFO', 'STREAM', yesterdayKey],
        ['XINFO', 'GROUPS', yesterdayKey],
        ['HGETALL', keys.warmLastRun()],
      ]
    : [];
  // The dashboard shows PING latency; the metrics export none, so they save the round trip.
  const pingMs = sources.extended ? (nodes ?? [client]).map(() => 0) : await Promise.all((nodes ?? [client]).map((node) => timePing(node)));
  const [replies, infos] = await Promise.all([
    sendCommands(client, nodes ? [...keyed, ...extra] : [info, ...keyed, ...extra]),
    nodes ? Promise.all(nodes.map((node) => node.call(...(info as [string, ...string[]])) as Promise<string>)) : null,
  ]);
  // A connection lost mid-batch fails every reply with the same error.
  const lost = lostConnection(replies);
  if (lost) throw lost;
  const own = nodes ? [[null, null] as CommandReply, ...replies] : replies;
  const [infoReply, streamInfo, groups, deadLen, counters] = own;
  const pttls = own.slice(5, 5 + config.warm.paths.length);
  if (!nodes && (!infoReply || infoReply[0])) throw infoReply?.[0] ?? new Error('INFO: no reply');
  const raw: RawReplies = {
    pingMs,
    infos: infos ?? [String(infoReply![1])],
    nodes: nodes ? nodes.map((n) => `${n.options.host ?? '?'}:${n.options.port ?? '?'}`) : [null],
    streamInfo: streamInfo!,
    groups: groups!,
    deadLen: deadLen!,
    counters: counters!,
    pttls,
    extended: null,
    extendedYesterdayKey: yesterdayKey,
  };
  if (sources.extended) {
    const [yesterdayInfo, yesterdayGroups, lastRun] = own.slice(5 + config.warm.paths.length);
    const groupsOf = (key: string, reply: Reply | undefined) => (reply && !reply[0] ? parseXinfoGroups(reply[1]).filter((g) => g.pending > 0).map((g) => ({ stream: key, group: g.name })) : []);
    const wanted = [...groupsOf(streamKey, groups), ...groupsOf(yesterdayKey, yesterdayGroups)];
    const pendingReplies = await sendCommands(client, wanted.map((w) => ['XPENDING', w.stream, w.group]));
    const lostAgain = lostConnection(pendingReplies);
    if (lostAgain) throw lostAgain;
    raw.extended = { yesterdayInfo: yesterdayInfo!, yesterdayGroups: yesterdayGroups!, lastRun: lastRun!, pending: wanted.map((w, i) => ({ ...w, reply: pendingReplies[i]! })) };
  }
  return raw;
}

/** While disconnected, ioredis fails commands with "Stream isn't writeable…"; the cause is in its last error event. */
function describeOutage(err: unknown, lastClientError: unknown): string {
  if (errorCode(err)) return describeConnectError(err);
  if (lastClientError && errorCode(lastClientError)) return describeConnectError(lastClientError);
  return 'connection lost';
}

async function timePing(node: { ping(): Promise<string> }): Promise<number> {
  const started = performance.now();
  await node.ping();
  return performance.now() - started;
}

class RefreshTimeout extends Error {
  constructor(readonly ms: number) {
    super(`refresh took longer than ${ms} ms`);
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RefreshTimeout(ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    // The losing promise may still reject later (connection closed): keep it quiet.
    promise.catch(() => undefined);
  }
}
