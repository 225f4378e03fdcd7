// The one Redis client factory (STYLE.md habit 7). One-shot commands fail fast:
// a Redis that cannot be reached is an UnreachableError (exit 3) within
// redis.connectTimeoutMs, naming the URL with its password masked.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { LaunchConfig } from '../config/schema.js';
import { maskUrl } from '../config/load.js';
import { ConfigError, UnreachableError, errorCode } from '../errors.js';
import { describeConnectError } from './redis-errors.js';

export type RedisClient = Redis | Cluster;
export type RedisSettings = LaunchConfig['redis'];

/**
 * - `oneshot`: fail fast (one reconnect attempt, one retry per command).
 * - `blocking`: for XREADGROUP BLOCK; reconnects forever, commands wait for it.
 * - `patient`: long-running views (watch): reconnects forever, but commands fail
 *   fast while disconnected so the view can say "reconnecting".
 */
export type RedisMode = 'oneshot' | 'blocking' | 'patient';

const RECONNECT_MAX_DELAY_MS = 2000;
const QUIT_TIMEOUT_MS = 1000;

function baseOptions(settings: RedisSettings, mode: RedisMode): RedisOptions {
  const url = new URL(settings.url);
  const options: RedisOptions = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    lazyConnect: true,
    connectTimeout: settings.connectTimeoutMs,
    // Keys are prefixed explicitly by keys.ts so SCAN patterns and Lua KEYS agree.
    keyPrefix: undefined,
    enableAutoPipelining: false,
    maxRetriesPerRequest: mode === 'blocking' ? null : 1,
    enableOfflineQueue: mode !== 'patient',
    retryStrategy:
      mode === 'oneshot' ? (times) => (times > 1 ? null : 100) : (times) => Math.min(times * 200, RECONNECT_MAX_DELAY_MS),
  };
  if (Number.isNaN(options.db)) throw new ConfigError(`redis.url: the database after "/" must be a number, in ${maskUrl(settings.url)}`);
  if (url.protocol === 'rediss:') {
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

/** Connects (fail fast) or throws UnreachableError naming the masked URL and the cause. */
export async function connectRedis(settings: RedisSettings, mode: RedisMode = 'oneshot', onError?: (err: Error) => void): Promise<RedisClient> {
  const client = createRedisClient(settings, mode, onError);
  let lastError: unknown;
  client.on('error', (err) => {
    lastError = err;
  });
  const deadlineMs = settings.connectTimeoutMs + 1000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), deadlineMs);
      }),
    ]);
    // A password-protected server accepts the connection and fails the first command.
    await client.ping();
  } catch (err) {
    client.disconnect();
    const cause = lastError ?? err;
    throw new UnreachableError(`cannot reach Redis at ${maskUrl(settings.url)} (${describeConnectError(cause)})`, errorCode(cause), {
      cause,
      details: [connectHint(errorCode(cause))],
    });
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/** Connects, runs fn, and always closes the client. */
export async function withRedis<T>(settings: RedisSettings, fn: (client: RedisClient) => Promise<T>, mode: RedisMode = 'oneshot'): Promise<T> {
  const client = await connectRedis(settings, mode);
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

/**
 * The Redis error code of a reply error ("OOM", "READONLY", "NOSCRIPT", "BUSYGROUP"):
 * by protocol, the first word of the error reply.
 */
export function redisReplyCode(err: unknown): string | undefined {
  if (!(err instanceof Error) || err.name !== 'ReplyError') return undefined;
  const m = /^([A-Z][A-Z_-]+)\b/.exec(err.message);
  return m?.[1];
}

/** The master nodes to SCAN: every master of a cluster, or the one server. */
export function scanNodes(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/**
 * SCANs every master for `pattern` and yields batches of keys. Keys may repeat
 * while the keyspace changes (SCAN's guarantee); none present throughout is missed.
 */
export async function* scanKeys(client: RedisClient, pattern: string, count = 1000, type?: string): AsyncGenerator<string[]> {
  for (const node of scanNodes(client)) {
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

/** Reads a Lua script that lives beside the module that loads it. */
export async function readLua(moduleUrl: string, file: string): Promise<string> {
  return readFile(new URL(file, moduleUrl), 'utf8');
}
