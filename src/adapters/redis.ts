// The one Redis client factory (STYLE.md habit 7). One-shot commands fail fast:
// a Redis that cannot be reached is an UnreachableError (exit 3) within
// redis.connectTimeoutMs, naming the URL with its password masked, and every
// command has a deadline (redis.commandTimeoutMs).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl } from '../config/redis-url.js';
import type { LaunchConfig } from '../config/schema.js';
import { maskUrl } from '../util/mask.js';
import { ConfigError, UnreachableError, errorCode } from '../errors.js';
import { CLUSTER_SLOTS, keySlot } from './key-slot.js';
import { ClusterNodeDownError, describeConnectError, isClusterClient, isCommandTimeout, redisFailure, replyErrorCode } from './redis-errors.js';

export type RedisClient = Redis | Cluster;
export type RedisSettings = LaunchConfig['redis'];

/**
 * - `oneshot`: fail fast (one reconnect attempt, one retry per command).
 * - `blocking`: for XREADGROUP BLOCK; reconnects forever, commands wait for it.
 * - `patient`: long-running views (watch): reconnects forever, but commands fail
 *   fast while disconnected so the view can say "reconnecting".
 *
 * Every command rejects with "Command timed out" after redis.commandTimeoutMs,
 * and a socket that stays silent that long with commands in flight is dropped
 * (and, for the long-running modes, reconnected). The `blocking` client instead
 * gives a blocking read its BLOCK time plus the deadline, after which the read
 * resolves empty (ioredis' blockingTimeout): commandTimeout would cut every
 * XREADGROUP BLOCK longer than it.
 */
export type RedisMode = 'oneshot' | 'blocking' | 'patient';

const RECONNECT_MAX_DELAY_MS = 2000;
const QUIT_TIMEOUT_MS = 1000;
const DISCONNECT_TIMEOUT_MS = 200;

function baseOptions(settings: RedisSettings, mode: RedisMode): RedisOptions {
  const url = parseRedisUrl(settings.url);
  const deadline = settings.commandTimeoutMs;
  const options: RedisOptions = {
    host: url.host,
    port: url.port,
    username: url.username,
    password: url.password,
    db: url.db,
    lazyConnect: true,
    connectTimeout: settings.connectTimeoutMs,
    ...(mode === 'blocking' ? { blockingTimeout: deadline, blockingTimeoutGrace: deadline } : { commandTimeout: deadline, socketTimeout: deadline }),
    // Keys are prefixed explicitly by keys.ts so SCAN patterns and Lua KEYS agree.
    keyPrefix: undefined,
    enableAutoPipelining: false,
    maxRetriesPerRequest: mode === 'blocking' ? null : 1,
    enableOfflineQueue: mode !== 'patient',
    // A one-shot command PINGs after connecting anyway; the INFO ready check and
    // CLIENT SETINFO are two more round trips, and on a silent server their
    // timers would hold the exit up after the error was printed.
    enableReadyCheck: mode !== 'oneshot',
    disableClientInfo: true,
    // How long disconnect() waits for the server to close a socket it ended: a frozen server never does.
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    retryStrategy:
      mode === 'oneshot' ? (times) => (times > 1 ? null : 100) : (times) => Math.min(times * 200, RECONNECT_MAX_DELAY_MS),
  };
  if (url.tls) {
    options.tls = {
      // SNI takes a host name only (RFC 6066); Node warns when given an IP.
      servername: options.host && isIP(options.host) === 0 ? options.host : undefined,
      rejectUnauthorized: settings.tls.rejectUnauthorized,
      ca: settings.tls.caFile ? readCaFile(settings.tls.caFile) : undefined,
    };
  }
  return options;
}

function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`redis.tls.caFile: cannot read ${path} (${errorCode(err) ?? String(err)})`);
  }
}

/** Creates a client without connecting. An `error` listener is always attached. */
export function createRedisClient(settings: RedisSettings, mode: RedisMode = 'oneshot', onError?: (err: Error) => void): RedisClient {
  const options = baseOptions(settings, mode);
  let client: RedisClient;
  if (settings.cluster) {
    const { host, port, ...redisOptions } = options;
    client = new Cluster([{ host, port }], {
      lazyConnect: true,
      redisOptions,
      enableOfflineQueue: options.enableOfflineQueue,
      clusterRetryStrategy: options.retryStrategy,
      maxRedirections: 16,
      ...(Object.keys(settings.natMap ?? {}).length > 0 ? { natMap: settings.natMap } : {}),
      // A one-shot verb must not wait for cluster_state:ok (ioredis waits forever):
      // it connects, and a command to a slot without a master fails with
      // CLUSTERDOWN, which is reported (exit 3). Long-running verbs keep the
      // check, so they resume only once the cluster is whole again.
      enableReadyCheck: mode !== 'oneshot',
    });
  } else {
    client = new Redis(options);
  }
  // Without a listener ioredis prints "Unhandled error event" for every failed reconnect.
  client.on('error', (err: Error) => onError?.(err));
  return client;
}

const TLS_CERT_CODES = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/** What to change when the connection fails, by cause. */
function connectHint(code: string | undefined): string {
  if (code && TLS_CERT_CODES.test(code)) {
    return "the server's TLS certificate was not accepted: set redis.tls.caFile to the PEM of the CA that signed it";
  }
  if (code === 'EPROTO' || code === 'ECONNRESET') return 'the server closed the connection: if it speaks TLS use rediss://, if not use redis://';
  return 'set redis.url in the config, REDIS_URL, or --redis URL';
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * PING: one server's answer, or on a cluster the first master that answers
 * (Cluster.ping() asks a random one; in a failover window that may be the dead
 * master while the others, and the slots they serve, work).
 */
async function pingAny(client: RedisClient): Promise<unknown> {
  if (!isClusterClient(client)) return client.ping();
  const masters = (client as Cluster).nodes('master');
  if (masters.length === 0) return client.ping();
  try {
    return await Promise.any(masters.map((node) => node.ping()));
  } catch (err) {
    throw err instanceof AggregateError ? (err.errors[0] as unknown) : err;
  }
}

/**
 * Connects and PINGs (fail fast, within connectTimeoutMs + commandTimeoutMs),
 * or throws UnreachableError naming the masked URL and the cause.
 */
export async function connectRedis(settings: RedisSettings, mode: RedisMode = 'oneshot', onError?: (err: Error) => void): Promise<RedisClient> {
  const client = createRedisClient(settings, mode, onError);
  let lastError: unknown;
  let socketOpen = false;
  client.on('error', (err) => {
    // A cluster's "Failed to refresh slots cache." says less than the seed node's own error.
    if (!(isClusterClient(client) && lastError && errorCode(lastError))) lastError = err;
  });
  // A cluster reports each node's connection error apart (ECONNREFUSED, a TLS refusal...).
  client.on('node error', (err: unknown) => {
    lastError = err;
  });
  client.once('connect', () => {
    socketOpen = true;
  });
  const deadlineMs = settings.connectTimeoutMs + settings.commandTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const silent = Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' });
  try {
    await Promise.race([
      // A password-protected server accepts the connection and fails the first command.
      client.connect().then(() => pingAny(client)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(silent), deadlineMs);
      }),
    ]);
  } catch (err) {
    client.disconnect();
    const where = maskUrl(settings.url);
    // Connected, then nothing: a frozen server, a black-holed network, a stale address after failover.
    if (socketOpen && [err, lastError].some((e) => e === silent || isCommandTimeout(e) || (e instanceof Error && e.message.startsWith('Socket timeout')))) {
      throw new UnreachableError(`Redis at ${where} accepted the connection but gave no answer in ${seconds(settings.commandTimeoutMs)}`, 'ETIMEDOUT', {
        cause: err,
        details: ['the server is frozen or overloaded, the network drops packets, or the address is stale after a failover (redis.commandTimeoutMs sets the deadline)'],
      });
    }
    const refused = replyErrorCode(err) ? redisFailure(err, { url: settings.url }) : undefined;
    if (refused) throw refused;
    let cause = lastError ?? err;
    // ioredis' cluster client says only "Failed to refresh slots cache.": the seed node
    // itself, asked plainly, tells why (ECONNREFUSED, a wrong password, TLS).
    if (settings.cluster && !errorCode(cause)) {
      try {
        await closeRedis(await connectRedis({ ...settings, cluster: false }, 'oneshot'));
      } catch (seedError) {
        if (seedError instanceof UnreachableError) throw seedError;
      }
      cause = new Error('the seed node answers but gives no cluster slots: is it a cluster (redis.cluster)?');
    }
    throw new UnreachableError(`cannot reach Redis at ${where} (${describeConnectError(cause)})`, errorCode(cause), {
      cause,
      details: [connectHint(errorCode(cause))],
    });
  } finally {
    clearTimeout(timer);
  }
  return client;
}

export interface WithRedisOptions {
  mode?: RedisMode;
  /** Every `error` event of the client (a long-running view names the cause of an outage with it). */
  onError?: (err: Error) => void;
}

/** Connects (fail fast, exit 3), runs fn, and always closes the client: how every verb holds a connection. */
export async function withRedis<T>(settings: RedisSettings, fn: (client: RedisClient) => Promise<T>, options: WithRedisOptions = {}): Promise<T> {
  const client = await connectRedis(settings, options.mode ?? 'oneshot', options.onError);
  try {
    return await fn(client);
  } finally {
    await closeRedis(client);
  }
}

export async function closeRedis(client: RedisClient): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    // QUIT waits for replies in flight; a dead connection must not hold the exit up.
    await Promise.race([client.quit(), new Promise((r) => (timer = setTimeout(r, QUIT_TIMEOUT_MS)))]);
  } catch {
    // already closed
  } finally {
    clearTimeout(timer);
  }
  client.disconnect();
}


/** Makes a client give up on a lost connection instead of reconnecting (and re-sending what was in flight). */
export function withoutReconnect(client: RedisClient): void {
  const never = { retryStrategy: () => null };
  if (!isClusterClient(client)) {
    Object.assign(client.options, never);
    return;
  }
  // A cluster's node connections take redisOptions (where the factory put its retryStrategy).
  const cluster = client as Cluster;
  Object.assign(cluster.options.redisOptions ?? {}, never);
  for (const node of cluster.nodes()) Object.assign(node.options, never);
}

/** The master nodes to SCAN: every master of a cluster, or the one server. */
export function scanNodes(client: RedisClient): Redis[] {
  // By ioredis' own flag, not instanceof: the app's client may come from another copy of ioredis.
  return isClusterClient(client) ? (client as Cluster).nodes('master') : [client as Redis];
}


/**
 * The masters that together serve every hash slot: what a SCAN of the whole
 * keyspace must visit. On a cluster, a master that still owns slots but has no
 * connection (killed, its replica not yet promoted) is a ClusterNodeDownError
 * naming it: ioredis drops a dead node from its list of masters, and a SCAN
 * over the others would silently answer "no keys" for its slots.
 */
/**
 * On a cluster, the owners of hash slots that no connected master serves, with
 * how many slots each owns (`no node` for slots without a master): empty on a
 * single Redis, before the slot map is known, and on a healthy cluster.
 */
export function unservedSlots(client: RedisClient): Map<string, number> {
  const missing = new Map<string, number>();
  if (!isClusterClient(client)) return missing;
  const slots = (client as Cluster).slots;
  if (!slots || slots.length === 0) return missing;
  const connected = new Set(scanNodes(client).map((n) => `${n.options.host}:${n.options.port}`));
  for (let slot = 0; slot < CLUSTER_SLOTS; slot++) {
    const owner = slots[slot]?.[0] ?? 'no node';
    if (!connected.has(owner)) missing.set(owner, (missing.get(owner) ?? 0) + 1);
  }
  return missing;
}

/**
 * The masters to SCAN, all of them: on a cluster where a master serving slots
 * does not answer, throws ClusterNodeDownError rather than let a caller answer
 * for part of the keyspace.
 */
export function scanMasters(client: RedisClient): Redis[] {
  const missing = unservedSlots(client);
  if (missing.size > 0) {
    const [owner, count] = [...missing][0]!;
    const who = owner === 'no node' ? `${count} hash slots have no master` : `the master at ${owner} (serving ${count} hash slots) does not answer`;
    throw new ClusterNodeDownError(`${who}; a failover may be under way`);
  }
  return scanNodes(client);
}

/**
 * SCANs every master for `pattern` and yields batches of keys. Keys may repeat
 * while the keyspace changes (SCAN's guarantee); none present throughout is
 * missed. On a cluster where a master serving slots does not answer, throws
 * ClusterNodeDownError (see scanMasters) rather than answer for part of the keys.
 */
export async function* scanKeys(client: RedisClient, pattern: string, count = 1000, type?: string): AsyncGenerator<string[]> {
  for (const node of scanMasters(client)) {
    let cursor = '0';
    do {
      const args: (string | number)[] = [cursor, 'MATCH', pattern, 'COUNT', count];
      if (type) args.push('TYPE', type);
      const [next, keys] = (await node.call('SCAN', ...args)) as [string, string[]];
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}

/** The master serving `key`: the node of its slot in the cluster client's slot map, or the client itself on a single Redis; undefined while unknown. */
export function masterOfKey(client: RedisClient, key: string): Redis | undefined {
  if (!isClusterClient(client)) return client as Redis;
  const owner = (client as Cluster).slots?.[keySlot(key)]?.[0];
  return owner === undefined ? undefined : (client as Cluster).nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
}

/**
 * WAIT for one replica: true once the server's writes up to this connection's
 * last one are on a replica, or when the server has no replica (nothing to
 * wait for, and nothing to fail over to); false when the wait timed out.
 * Replication is asynchronous: a write a master acknowledged can be lost with
 * it in a failover unless a replica had it.
 */
export async function replicated(node: Redis, timeoutMs: number): Promise<boolean> {
  // WAIT blocks for its whole timeout when the master has no replica: ask first.
  const role = (await node.call('ROLE')) as unknown[];
  if (role[0] === 'master' && Array.isArray(role[2]) && role[2].length === 0) return true;
  return Number(await node.call('WAIT', 1, timeoutMs)) >= 1;
}
